// File: record_of_processing.h
//
// The record of processing activities (GDPR Art. 30(1)) that a policy (policy.h) implies:
// the controller and the DPO contact, then one activity per processing of personal data the
// policy enables (real-time individual data, each monitoring-class indicator, weekly
// per-worker aggregates, the audit log, user accounts), each with its purposes, legal basis,
// data subjects, categories of data, recipients (the roles of the [[access]] grants),
// retention and rule ids; the processing that holds no personal data; the safeguards
// (pseudonymisation, minimum group size, audit, access control); transfers (none); and the
// governance records. `entrepot policy register` prints it as Markdown or JSON.
//
// It describes the policy as written, like ExplainPolicy(): check the policy first. It is a
// draft for the controller to complete and sign, not legal advice. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

// Who receives an activity's data: one [[access]] grant.
struct ProcessingRecipient {
  Role role = Role::kWorker;
  Scope scope = Scope::kSelf;
  Period period = Period::kAllRetained;
  std::vector<Purpose> purposes;
  friend bool operator==(const ProcessingRecipient&, const ProcessingRecipient&) = default;
};

struct ProcessingActivity {
  std::string id;          // Stable: "realtime_individual", "idle_time", "audit_log", ...
  std::string title;       // "Real-time individual operational data".
  std::string data_class;  // DataClassName(...) or "accounts".
  std::vector<std::string> purposes;  // Purpose names (PurposeName, or
                                      // "account_administration" for accounts).
  std::string legal_basis;
  std::vector<std::string> data_subjects;
  std::vector<std::string> data_categories;
  std::vector<ProcessingRecipient> recipients;  // Empty for accounts (see recipients_note).
  std::string recipients_note;                  // Recipients not given by grants.
  std::optional<int64_t> retention_value;       // In retention_unit; absent: not set.
  std::string retention_unit;                   // "days", "weeks", "months", "".
  std::string retention;                        // The retention in words.
  std::vector<std::string> rules;               // Rule ids of privacy-rules.md.
  friend bool operator==(const ProcessingActivity&, const ProcessingActivity&) = default;
};

// Processing that holds no personal data, listed so that the register is complete.
struct NonPersonalProcessing {
  std::string id;
  std::string title;
  std::string description;
  friend bool operator==(const NonPersonalProcessing&, const NonPersonalProcessing&) = default;
};

struct GovernanceEntry {
  std::string name;       // "Works council consultation".
  std::string reference;  // "" when absent.
  std::optional<Date> date;
  friend bool operator==(const GovernanceEntry&, const GovernanceEntry&) = default;
};

struct RecordOfProcessing {
  std::string controller;   // "" when the policy does not name one.
  std::string dpo_contact;  // "" when the policy does not give one.
  Profile profile = Profile::kCnilStrict;
  std::vector<ProcessingActivity> activities;
  std::vector<NonPersonalProcessing> non_personal;
  std::vector<std::string> safeguards;  // Art. 30(1)(g), Art. 32(1).
  std::string transfers;                // Art. 30(1)(e).
  std::vector<GovernanceEntry> governance;
  friend bool operator==(const RecordOfProcessing&, const RecordOfProcessing&) = default;
};

// The register `policy` implies. An activity's purposes are its indicator's, then those of
// the grants that serve them (own_data included); the audit log lists every grant on it.
RecordOfProcessing BuildRecordOfProcessing(const Policy& policy);

// Markdown: a title, the controller, one section per activity, then the sections above.
std::string RecordOfProcessingMarkdown(const RecordOfProcessing& record);

// The same as one JSON object (keys as the struct's fields; dates as "YYYY-MM-DD"),
// pretty-printed with a final newline.
std::string RecordOfProcessingJson(const RecordOfProcessing& record);

}  // namespace entrepot::privacy
