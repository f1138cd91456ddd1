// libFuzzer entry point for the GS1 decoder (entrepot::gs1::ParseGs1).
//
// Feeds arbitrary bytes to ParseGs1 and checks its contract: a failure carries one of the
// documented reasons; a success holds only dictionary AIs with in-range values, no AI twice,
// and survives the round trips through ToBracketed and ToElementString unchanged. A broken
// invariant aborts, which libFuzzer reports as a crash with the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/gs1/syntax_dictionary.h"

namespace {

void Require(bool condition, const char* what, std::string_view input) {
  if (!condition) {
    std::fprintf(stderr, "gs1_fuzzer: invariant broken: %s\ninput: %.*s\n", what,
                 static_cast<int>(input.size()), input.data());
    std::abort();
  }
}

bool IsDocumentedReason(const std::string& reason) {
  static const std::set<std::string> kReasons = {
      "empty_code",      "code_too_long",   "not_gs1",         "unknown_ai", "bad_length",
      "bad_character",   "bad_check_digit", "bad_date",        "bad_value",  "missing_required_ai",
      "invalid_ai_pair", "duplicate_ai",    "bad_digital_link"};
  return kReasons.count(reason) > 0;
}

bool IsDocumentedForm(std::string_view form) {
  namespace gs1 = entrepot::gs1;
  return form == gs1::kFormBracketed || form == gs1::kFormRaw || form == gs1::kFormAim ||
         form == gs1::kFormDigitalLink || form == gs1::kFormPlainGtin ||
         form == gs1::kFormPlainSscc;
}

void CheckSuccess(const entrepot::gs1::Gs1Data& data, std::string_view input) {
  const entrepot::gs1::AiTable& table = entrepot::gs1::DefaultAiTable();
  Require(!data.elements.empty(), "success without elements", input);
  Require(IsDocumentedForm(data.form), "undocumented form", input);
  std::set<std::string> ais;
  for (const entrepot::gs1::Element& element : data.elements) {
    const entrepot::gs1::AiEntry* entry = table.Find(element.ai);
    Require(entry != nullptr, "element AI not in the dictionary", input);
    Require(element.value.size() >= static_cast<std::size_t>(entry->min_length) &&
                element.value.size() <= static_cast<std::size_t>(entry->max_length),
            "value length outside the dictionary's bounds", input);
    Require(element.title == entry->title, "title differs from the dictionary", input);
    Require(ais.insert(element.ai).second, "the same AI twice", input);
  }
  const auto bracketed = entrepot::gs1::ParseGs1(entrepot::gs1::ToBracketed(data));
  Require(bracketed.ok(), "ToBracketed output does not parse", input);
  Require(bracketed->elements == data.elements, "ToBracketed round trip changed elements", input);
  const auto raw = entrepot::gs1::ParseGs1("]C1" + entrepot::gs1::ToElementString(data));
  Require(raw.ok(), "ToElementString output does not parse", input);
  Require(raw->elements == data.elements, "ToElementString round trip changed elements", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = entrepot::gs1::ParseGs1(input);
  if (result.ok()) {
    CheckSuccess(*result, input);
  } else {
    Require(IsDocumentedReason(result.status().reason()), "undocumented error reason", input);
    Require(!result.status().message().empty(), "error without a message", input);
  }
  return 0;
}
