// File: policy_check.h
//
// CheckPolicy(): is a policy (policy.h) lawful under the rule base of
// ../shared/design/privacy-rules.md, read through the policy's profile? The report lists
// each violation with its rule id (rules.h), the key of the policy it concerns, what is
// wrong, the rule's source, and its severity:
//   kHard     a rule the product enforces: `entrepot policy check` exits 1 and the server
//             refuses to start (LoadLawfulPolicy);
//   kWarning  lawful, but below a default the rule base recommends (a labor-event window of
//             2 to 7 days, k between 5 and 9, a missing DPO contact, ...).
//
// Profiles (docs/POLICY.md has the full table):
//   cnil-strict           nominative idle time from 30 minutes with a 2-hour display delay;
//                         no latency indicator (IND-03); the stow check flags bins only.
//   fr-conseil-etat-2025  idle time from 10 consecutive minutes; latencies and per-worker
//                         stow flags allowed behind governance records (GOV-01); display
//                         delayed (warning under 2 hours).
// Under both: breaks excluded, delayed display, never counted per week, never used for
// evaluation or working time; raw worker-linked events 7 days at most (RET-01);
// monitoring-class indicators locked until the governance records exist (GOV-01).
//
// Pure: no I/O; "today" is a parameter (governance records dated later do not exist yet).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

enum class Severity { kHard, kWarning };

// "hard rule", "warning".
std::string_view SeverityName(Severity severity);

struct Violation {
  std::string rule_id;  // An id of PolicyRules(): "IND-02".
  Severity severity = Severity::kHard;
  std::string key;      // The policy key concerned: "indicators.idle_time.threshold_minutes".
  std::string message;  // What is wrong, to be read after the key: "is 10; under ...".
  std::string source;   // The rule's source (rules.h).
};

struct PolicyReport {
  Profile profile = Profile::kCnilStrict;
  std::vector<Violation> violations;  // In the order of docs/POLICY.md's sections.

  // True when no violation is kHard.
  bool lawful() const;
  size_t CountOf(Severity severity) const;
  // True when some violation has this rule id.
  bool HasRule(std::string_view rule_id) const;
};

// Whether the tz database knows an IANA time zone name. The check does no I/O: a caller that
// can read the database passes its lookup (server::IsKnownTimeZone, server/labor_day.h).
using TimeZoneLookup = std::function<bool(std::string_view name)>;

// Checks `policy` as of the calendar date `today`. With `known_zone`, a labor.time_zone
// the tz database does not know is a hard violation (RET-01: the labor day, whose end
// destroys the day key, cannot be computed); without it, only its form is checked (at
// parse). Never fails: an unlawful policy is a report with kHard violations.
PolicyReport CheckPolicy(const Policy& policy, const Date& today,
                         const TimeZoneLookup& known_zone = {});

// "IND-02 (hard rule) indicators.idle_time.threshold_minutes is 10; ...\n  source: ...\n".
std::string FormatViolation(const Violation& violation);

// A summary line ("profile cnil-strict: 2 hard-rule violations, 1 warning"), then each
// violation (FormatViolation), then "lawful." or "not lawful: ...".
std::string FormatReport(const PolicyReport& report);

// What the server calls at start: LoadPolicyOrDefault(toml_text) (empty text: the default
// policy), then CheckPolicy(policy, today, known_zone). Returns the policy when no hard rule
// is broken
// (warnings are the caller's to print: CheckPolicy again, or FormatReport). Errors:
//   those of ParsePolicyToml ("bad_toml", "bad_policy", "policy_too_large");
//   kFailedPrecondition "policy_unlawful" — a hard rule is broken; the message lists each
//                                            hard violation ("IND-02 indicators...: ...").
StatusOr<Policy> LoadLawfulPolicy(std::string_view toml_text, const Date& today,
                                  const TimeZoneLookup& known_zone = {});

}  // namespace entrepot::privacy
