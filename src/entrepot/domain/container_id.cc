#include "entrepot/domain/container_id.h"

#include <string>

#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/labels.h"

namespace entrepot::domain {
namespace {

Status ContainerIdError(std::string_view id, std::string_view reason, std::string_view problem) {
  return Error(StatusCode::kInvalidArgument, std::string(reason),
               "container id \"" + std::string(id) + "\": " + std::string(problem));
}

// Validates a GS1-keyed container id's data as the element string of `ai` would be.
Status ValidateGs1Key(std::string_view id, std::string_view ai, std::string_view data,
                      std::string_view expected) {
  StatusOr<gs1::Gs1Data> parsed =
      gs1::ParseGs1("]C1" + std::string(ai) + std::string(data), gs1::ParseOptions{false});
  if (parsed.ok() && parsed->elements.size() == 1) {
    return OkStatus();
  }
  if (!parsed.ok() && parsed.status().reason() == "bad_check_digit") {
    // The position counts in the element string built above, which nobody typed: leave it
    // out.
    std::string message = parsed.status().message();
    if (size_t at = message.find(" at position "); at != std::string::npos) {
      message.erase(at, message.find(':', at) - at);
    }
    return ContainerIdError(id, "bad_check_digit", message);
  }
  return ContainerIdError(id, "bad_container_id", expected);
}

}  // namespace

bool HasContainerIdPrefix(std::string_view id) {
  return id.starts_with("label:") || id.starts_with("sscc:") || id.starts_with("grai:") ||
         id.starts_with("giai:");
}

Status ValidateContainerId(std::string_view id) {
  if (id.starts_with("label:")) {
    return ValidateLabelCode(id.substr(6));
  }
  if (id.starts_with("sscc:")) {
    return ValidateGs1Key(id, "00", id.substr(5), "an SSCC has 18 digits");
  }
  if (id.starts_with("grai:")) {
    return ValidateGs1Key(id, "8003", id.substr(5),
                          "a GRAI is 0, 13 digits and an optional serial of 1-16 characters");
  }
  if (id.starts_with("giai:")) {
    return ValidateGs1Key(id, "8004", id.substr(5),
                          "a GIAI is 1-30 characters of GS1 character set 82");
  }
  return ContainerIdError(id, "bad_container_id",
                          "expected sscc:, grai:, giai: or label: followed by the id");
}

}  // namespace entrepot::domain
