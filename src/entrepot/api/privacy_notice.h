// File: privacy_notice.h
//
// The notice to workers (TRN-01, TRN-02) as the API serves it: privacy::ExplainPolicy()'s
// text of the active policy in each language the policy offers, cut into the sections a page
// renders, and one version for all of them. A worker acknowledges that version on the device
// before scanning (POST /api/v1/devices/session/acknowledge); a new policy, or a build whose
// explanation reads differently, gives another version, to be acknowledged again. Pure: no
// I/O, no clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "entrepot/privacy/policy.h"

namespace entrepot::api {

struct NoticeSection {
  std::string title;  // "Stock movements": the heading without its number.
  std::string text;   // The section's lines as ExplainPolicy wraps them, joined by '\n'.
};

// The notice in one language.
struct NoticeText {
  privacy::Language language = privacy::Language::kEnglish;
  std::string title;  // The notice's first line.
  std::string intro;  // The lines before the first section (employer, rules, legal basis).
  std::vector<NoticeSection> sections;
  std::string text;  // The whole text, as `entrepot policy explain` prints it.
};

struct WorkerNotice {
  // 32 lower-case hex digits: BLAKE2b over every offered language's text and the
  // acknowledgement flag. Stable for one policy and one build.
  std::string version;
  bool acknowledgement_required = true;  // policy.notice.require_acknowledgement (TRN-01).
  std::vector<NoticeText> texts;         // One per offered language, in the policy's order.

  // The text in `language`, or null when the policy does not offer it.
  const NoticeText* Find(privacy::Language language) const;
};

// The notice of `policy` in every language of policy.notice.languages (both languages when
// that list is empty).
WorkerNotice BuildWorkerNotice(const privacy::Policy& policy);

// Cuts ExplainPolicy's `text` into its title, intro and numbered sections: a section starts
// at a line "N. Title" after an empty line, and runs to the next one.
NoticeText SplitNotice(privacy::Language language, std::string_view text);

}  // namespace entrepot::api
