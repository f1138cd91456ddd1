#include "entrepot/api/privacy_notice.h"

#include <cstddef>

#include "entrepot/auth/secrets.h"
#include "entrepot/privacy/policy_explain.h"

namespace entrepot::api {
namespace {

constexpr size_t kVersionHexDigits = 32;  // 128 bits: enough to tell notices apart.

// The title of a section heading "12. Title", or "" when `line` is not one.
std::string_view HeadingTitle(std::string_view line) {
  size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || line.substr(digits, 2) != ". " || line.size() == digits + 2) {
    return "";
  }
  return line.substr(digits + 2);
}

void AppendLine(std::string& text, std::string_view line) {
  if (!text.empty()) {
    text += '\n';
  }
  text += line;
}

}  // namespace

const NoticeText* WorkerNotice::Find(privacy::Language language) const {
  for (const NoticeText& text : texts) {
    if (text.language == language) {
      return &text;
    }
  }
  return nullptr;
}

NoticeText SplitNotice(privacy::Language language, std::string_view text) {
  NoticeText notice;
  notice.language = language;
  notice.text = std::string(text);
  bool first = true;
  bool after_blank = false;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (first) {
      notice.title = std::string(line);
      first = false;
      continue;
    }
    if (line.empty()) {
      after_blank = true;
      continue;
    }
    std::string_view heading = after_blank ? HeadingTitle(line) : "";
    if (!heading.empty()) {
      notice.sections.push_back({std::string(heading), ""});
    } else {
      // A blank line that opens no section is kept inside the text it separates.
      std::string& into = notice.sections.empty() ? notice.intro : notice.sections.back().text;
      if (after_blank && !into.empty()) {
        into += '\n';
      }
      AppendLine(into, line);
    }
    after_blank = false;
  }
  return notice;
}

WorkerNotice BuildWorkerNotice(const privacy::Policy& policy) {
  WorkerNotice notice;
  notice.acknowledgement_required = policy.notice.require_acknowledgement;
  std::vector<privacy::Language> languages = policy.notice.languages;
  if (languages.empty()) {
    languages.assign(std::begin(privacy::kAllLanguages), std::end(privacy::kAllLanguages));
  }
  std::string hashed = "entrepot notice v1\n";
  hashed += notice.acknowledgement_required ? "acknowledge\n" : "inform\n";
  for (privacy::Language language : languages) {
    if (notice.Find(language) != nullptr) {
      continue;  // A language listed twice is offered once.
    }
    std::string text = privacy::ExplainPolicy(policy, language);
    hashed += std::string(privacy::LanguageName(language)) + '\0' + text + '\0';
    notice.texts.push_back(SplitNotice(language, text));
  }
  // A hash function, not a secret: SecretHash is the project's BLAKE2b-256 in hex.
  notice.version = auth::SecretHash(hashed).substr(0, kVersionHexDigits);
  return notice;
}

}  // namespace entrepot::api
