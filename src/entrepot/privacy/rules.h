// File: rules.h
//
// The rules of ../shared/design/privacy-rules.md that CheckPolicy() (policy_check.h) can
// report, with their ids and sources. A violation carries the id; the source and the
// one-line summary come from this table, so that they are written once. Verification tags
// follow the rule base: [V] verified against the source's text, [S] secondary sources
// only, [R] recalled, not checked, [D] our own engineering default.
#pragma once

#include <span>
#include <string_view>

namespace entrepot::privacy {

struct Rule {
  std::string_view id;       // "IND-02".
  std::string_view summary;  // What the rule requires, in one line.
  std::string_view source;   // Where it comes from, as in the rule base.
};

// Every rule the check reports, in the rule base's order.
std::span<const Rule> PolicyRules();

// The rule with this id, or nullptr.
const Rule* FindRule(std::string_view id);

}  // namespace entrepot::privacy
