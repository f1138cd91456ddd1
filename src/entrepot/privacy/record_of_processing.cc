#include "entrepot/privacy/record_of_processing.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "entrepot/privacy/audit_chain.h"

namespace entrepot::privacy {
namespace {

using nlohmann::json;

// The legal basis the notice states (CNIL SAN-2023-021 §57: only legitimate interest is
// available for monitoring at work).
constexpr std::string_view kLegitimateInterest =
    "legitimate interest, GDPR Art. 6(1)(f) (CNIL SAN-2023-021 §57)";
const std::vector<std::string> kWorkers = {"warehouse workers, temporary workers included"};

std::string PurposeLabel(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
      {"flow_management", "real-time order flow and reassignment"},
      {"coaching", "coaching"},
      {"quality", "finding and fixing handling errors"},
      {"safety", "safety"},
      {"process_improvement", "resolving technical or process problems"},
      {"planning", "planning"},
      {"evaluation", "individual evaluation by the published methods"},
      {"training", "training"},
      {"working_time", "working-time control"},
      {"discipline", "discipline"},
      {"data_protection", "data protection oversight"},
      {"own_data", "the worker's access to their own data (GDPR Art. 15)"},
      {"account_administration", "managing accounts and access control (GDPR Art. 32)"},
  };
  for (const auto& [key, label] : kLabels) {
    if (key == name) {
      return std::string(label);
    }
  }
  return std::string(name);
}

std::string RoleLabel(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "administrators";
    case Role::kSiteManager:
      return "site manager";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kHr:
      return "HR";
    case Role::kDpo:
      return "data protection officer";
    case Role::kWorker:
      return "the worker";
  }
  return std::string(RoleName(role));
}

std::string ScopeLabel(Scope scope) {
  switch (scope) {
    case Scope::kSelf:
      return "their own data only";
    case Scope::kOwnShiftAndZone:
      return "the workers of their current shift and zone";
    case Scope::kOwnTeam:
      return "their own team";
    case Scope::kSite:
      return "the whole site";
  }
  return std::string(ScopeName(scope));
}

std::string PeriodLabel(Period period) {
  switch (period) {
    case Period::kCurrentShift:
      return "the current shift";
    case Period::kToday:
      return "today";
    case Period::kAllRetained:
      return "all retained data";
  }
  return std::string(PeriodName(period));
}

std::string Plural(int64_t count, std::string_view unit) {
  return std::to_string(count) + " " + std::string(unit) + (count == 1 ? "" : "s");
}

void AddUnique(std::vector<std::string>& names, std::string_view name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    names.emplace_back(name);
  }
}

bool Serves(const AccessGrant& grant, const std::vector<Purpose>& purposes) {
  for (Purpose purpose : grant.purposes) {
    if (purpose == Purpose::kOwnData ||
        std::find(purposes.begin(), purposes.end(), purpose) != purposes.end()) {
      return true;
    }
  }
  return false;
}

// The grants on `data` that serve one of `purposes` (a worker's own-data grant always does),
// and the activity's purposes: the indicator's, then those of the grants.
void AddRecipients(const Policy& policy, DataClass data, const std::vector<Purpose>* purposes,
                   ProcessingActivity& activity) {
  for (const AccessGrant& grant : policy.access) {
    if (grant.data != data || (purposes != nullptr && !Serves(grant, *purposes))) {
      continue;
    }
    activity.recipients.push_back({grant.role, grant.scope, grant.period, grant.purposes});
    for (Purpose purpose : grant.purposes) {
      if (purposes == nullptr || purpose == Purpose::kOwnData ||
          std::find(purposes->begin(), purposes->end(), purpose) != purposes->end()) {
        AddUnique(activity.purposes, PurposeName(purpose));
      }
    }
  }
}

ProcessingActivity LaborActivity(const Policy& policy, std::string id, std::string title,
                                 const std::vector<Purpose>& purposes,
                                 std::vector<std::string> categories,
                                 std::vector<std::string> rules) {
  ProcessingActivity activity;
  activity.id = std::move(id);
  activity.title = std::move(title);
  activity.data_class = std::string(DataClassName(DataClass::kLaborEvents));
  for (Purpose purpose : purposes) {
    AddUnique(activity.purposes, PurposeName(purpose));
  }
  activity.legal_basis = std::string(kLegitimateInterest);
  activity.data_subjects = kWorkers;
  activity.data_categories = std::move(categories);
  AddRecipients(policy, DataClass::kLaborEvents, &purposes, activity);
  const int64_t days = policy.retention.labor_events_days;
  activity.retention_value = days;
  activity.retention_unit = "days";
  activity.retention =
      days == 1 ? "the current day: the day key is then destroyed and the events can no "
                  "longer be linked to the worker (retention.labor_events_days = 1)"
                : Plural(days, "day") +
                      ", then the day key is destroyed and the events can no longer be linked "
                      "to the worker (retention.labor_events_days)";
  activity.rules = std::move(rules);
  return activity;
}

void AddLaborActivities(const Policy& policy, RecordOfProcessing& record) {
  const Indicators& indicators = policy.indicators;
  if (indicators.realtime_individual.enabled) {
    std::vector<std::string> categories = {
        "the link between a handheld session and the worker, under a pseudonym that changes "
        "every day",
        "the worker's current task", "units handled today"};
    if (indicators.realtime_individual.link_quality_errors) {
      categories.push_back("today's quality errors, to fix them (IND-05)");
    }
    record.activities.push_back(
        LaborActivity(policy, "realtime_individual", "Real-time individual operational data",
                      indicators.realtime_individual.purposes, std::move(categories),
                      {"IND-04", "IND-05", "ACC-01", "RET-01", "GOV-02"}));
  }
  if (indicators.stow_speed_check.enabled &&
      indicators.stow_speed_check.attach_to == Attachment::kWorker) {
    record.activities.push_back(LaborActivity(
        policy, "stow_speed_check", "Stow speed flags attached to the worker (monitoring class)",
        indicators.stow_speed_check.purposes,
        {"stows closer together than " + std::to_string(indicators.stow_speed_check.threshold_ms) +
         " ms, flagged against the worker"},
        {"IND-01", "GOV-01", "RET-01"}));
  }
  if (indicators.idle_time.enabled) {
    record.activities.push_back(LaborActivity(
        policy, "idle_time", "Nominative idle time (monitoring class)",
        indicators.idle_time.purposes,
        {"periods of at least " + Plural(indicators.idle_time.threshold_minutes, "minute") +
         " without a scan, breaks " +
         (indicators.idle_time.breaks_excluded ? "excluded" : "included") + ", shown after " +
         Plural(indicators.idle_time.display_delay_minutes, "minute")},
        {"IND-02", "IND-09", "GOV-01", "RET-01"}));
  }
  if (indicators.latency.enabled) {
    record.activities.push_back(
        LaborActivity(policy, "latency", "Latencies at shift start and end (monitoring class)",
                      indicators.latency.purposes,
                      {"time without a scan of " + std::to_string(indicators.latency.from_minutes) +
                       " to " + Plural(indicators.latency.to_minutes, "minute") +
                       " at shift start and end and around breaks"},
                      {"IND-03", "GOV-01", "RET-01"}));
  }
}

void AddWeeklyActivity(const Policy& policy, RecordOfProcessing& record) {
  const WorkerWeekly& weekly = policy.indicators.worker_weekly;
  if (!weekly.enabled) {
    return;
  }
  ProcessingActivity activity;
  activity.id = "worker_weekly";
  activity.title = "Per-worker aggregates by " + std::string(BucketName(weekly.bucket));
  activity.data_class = std::string(DataClassName(DataClass::kWorkerWeekly));
  for (Purpose purpose : weekly.purposes) {
    AddUnique(activity.purposes, PurposeName(purpose));
  }
  activity.legal_basis = std::string(kLegitimateInterest);
  activity.data_subjects = kWorkers;
  for (WeeklyContent content : weekly.contents) {
    // "units_per_process" reads "units per process".
    std::string label(WeeklyContentName(content));
    std::replace(label.begin(), label.end(), '_', ' ');
    activity.data_categories.push_back(std::move(label));
  }
  AddRecipients(policy, DataClass::kWorkerWeekly, &weekly.purposes, activity);
  const int64_t weeks = policy.retention.worker_weekly_weeks;
  activity.retention_value = weeks;
  activity.retention_unit = "weeks";
  activity.retention = Plural(weeks, "week") + ", then deleted (retention.worker_weekly_weeks)";
  activity.rules = {"IND-07", "IND-08", "ACC-02", "RET-02", "GOV-02"};
  record.activities.push_back(std::move(activity));
}

void AddAuditActivity(const Policy& policy, RecordOfProcessing& record) {
  ProcessingActivity activity;
  activity.id = "audit_log";
  activity.title = "Access and audit log";
  activity.data_class = std::string(DataClassName(DataClass::kAuditLog));
  activity.purposes = {std::string(PurposeName(Purpose::kDataProtection))};
  activity.legal_basis =
      "the controller's security and accountability obligations, GDPR Art. 5(2), 24 and 32 "
      "(CNIL recommendation on logging, deliberation n° 2021-122)";
  activity.data_subjects = {"workers whose data is read",
                            "the staff and devices that read or change it"};
  activity.data_categories = {"who acted (login or device name, role)",
                              "the action and the data class",
                              "whose data",
                              "the declared purpose",
                              "the resource asked for",
                              "allowed or refused, with the reason",
                              "the time"};
  AddRecipients(policy, DataClass::kAuditLog, nullptr, activity);
  const int64_t months = policy.retention.audit_log_months;
  activity.retention_value = months;
  activity.retention_unit = "months";
  activity.retention = Plural(months, "month") +
                       ", then pruned; the prune is itself recorded (retention.audit_log_months)";
  activity.rules = {"RET-03", "DSR-01"};
  record.activities.push_back(std::move(activity));
}

void AddAccountsActivity(RecordOfProcessing& record) {
  ProcessingActivity activity;
  activity.id = "accounts";
  activity.title = "User accounts, sign-in and badge sessions on handhelds";
  activity.data_class = std::string(kAccountsDataClass);
  activity.purposes = {std::string(kAccountAdministrationPurpose)};
  activity.legal_basis =
      "security of processing, GDPR Art. 32, and legitimate interest, Art. 6(1)(f)";
  activity.data_subjects = {
      "staff with an account: workers, temporary workers, supervisors, "
      "managers, HR, the DPO, administrators"};
  activity.data_categories = {
      "login, display name, role, site scope", "password (Argon2id hash only)",
      "badge code (hash only)", "session tokens (hashes only) and their expiry",
      "which worker is signed in on which handheld, for the current session only"};
  activity.recipients_note =
      "administrators (they manage accounts); each user sees their own account";
  activity.retention = "while the account exists; not set by the policy";
  activity.rules = {"ACC-03", "IND-10"};
  record.activities.push_back(std::move(activity));
}

// "site_manager for flow_management, planning; supervisor for ...", or "nobody".
std::string Readers(const Policy& policy, DataClass data) {
  std::string text;
  for (const AccessGrant& grant : policy.access) {
    if (grant.data != data) {
      continue;
    }
    text += (text.empty() ? "" : "; ") + std::string(RoleName(grant.role)) + " for ";
    for (size_t i = 0; i < grant.purposes.size(); ++i) {
      text += (i == 0 ? "" : ", ") + std::string(PurposeName(grant.purposes[i]));
    }
  }
  return text.empty() ? "nobody" : text;
}

void AddNonPersonal(const Policy& policy, RecordOfProcessing& record) {
  record.non_personal.push_back(
      {"operational", "Stock movements and scans",
       "recorded by handheld, never with a worker's identity (RET-01); kept " +
           Plural(policy.retention.operational_years, "year") + " (retention.operational_years)"});
  if (policy.indicators.stow_speed_check.enabled &&
      policy.indicators.stow_speed_check.attach_to == Attachment::kLocation) {
    record.non_personal.push_back(
        {"stow_speed_check", "Stow speed check",
         "stows closer together than " +
             std::to_string(policy.indicators.stow_speed_check.threshold_ms) +
             " ms flag the bin for a re-check, never a worker (IND-01)"});
  }
  record.non_personal.push_back(
      {"team_aggregates", "Aggregates by zone, process, team and shift",
       "figures of at least " + std::to_string(policy.aggregates.min_group_size) +
           " workers (AGG-01), with differencing protection " +
           (policy.aggregates.differencing_protection ? "on" : "off") + " (AGG-02); read by " +
           Readers(policy, DataClass::kTeamAggregates)});
}

std::vector<std::string> Safeguards(const Policy& policy) {
  std::vector<std::string> safeguards = {
      "Pseudonymisation: worker-linked labor events carry a pseudonym (keyed HMAC, libsodium) "
      "under a key that exists for one day; destroying it makes the events unlinkable "
      "(RET-01, AGG-04).",
      "Minimum group size: team figures count at least k = " +
          std::to_string(policy.aggregates.min_group_size) + " workers; differencing protection " +
          (policy.aggregates.differencing_protection ? "refuses" : "does NOT refuse") +
          " overlapping queries that isolate fewer (AGG-01, AGG-02).",
      "Audit: every read of personal data is written to a tamper-evident log (hash chain, "
      "keyed BLAKE2b), checked with `entrepot audit verify`, kept " +
          Plural(policy.retention.audit_log_months, "month") + " (RET-03).",
      "Access control and purpose binding: each read declares a purpose; roles, scopes and "
      "periods come from the policy's grants (GOV-02, ACC-01, ACC-02).",
      "Authentication: Argon2id password hashes; tokens and badge codes stored as hashes only; "
      "no biometric identification (ACC-03, IND-10).",
      "Operational events never carry a worker's identity (RET-01).",
  };
  if (policy.notice.require_acknowledgement) {
    safeguards.push_back(
        "Information: workers acknowledge the notice on the handheld before their first scan "
        "session (TRN-01).");
  }
  return safeguards;
}

std::vector<GovernanceEntry> GovernanceEntries(const Policy& policy) {
  const Governance& governance = policy.governance;
  std::vector<GovernanceEntry> entries = {
      {"Works council consultation (C. trav. L2312-38)", governance.works_council.reference,
       governance.works_council.date},
      {"Data protection impact assessment (GDPR Art. 35)", governance.dpia.reference,
       governance.dpia.date},
      {"Published evaluation methods (C. trav. L1222-3)", governance.evaluation_methods.reference,
       governance.evaluation_methods.date},
  };
  if (!governance.audit_retention_justification.empty()) {
    entries.push_back({"Audit retention beyond 12 months (RET-03)",
                       governance.audit_retention_justification, std::nullopt});
  }
  return entries;
}

}  // namespace

RecordOfProcessing BuildRecordOfProcessing(const Policy& policy) {
  RecordOfProcessing record;
  record.controller = policy.notice.controller;
  record.dpo_contact = policy.notice.dpo_contact;
  record.profile = policy.profile;
  AddLaborActivities(policy, record);
  AddWeeklyActivity(policy, record);
  AddAuditActivity(policy, record);
  AddAccountsActivity(record);
  AddNonPersonal(policy, record);
  record.safeguards = Safeguards(policy);
  record.transfers =
      "None. Entrepôt keeps all data on the site's own server (its data directory) and sends "
      "none elsewhere: no transfer to a third country or an international organisation. "
      "Record here any transfer made by the hosting or by exports.";
  record.governance = GovernanceEntries(policy);
  return record;
}

namespace {

std::string OrMissing(const std::string& text, std::string_view key) {
  return text.empty() ? "*not set: fill in `" + std::string(key) + "` in the policy*" : text;
}

std::string JoinLabels(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    text += (i == 0 ? "" : std::string(separator)) + parts[i];
  }
  return text;
}

std::string RecipientLine(const ProcessingRecipient& recipient) {
  std::vector<std::string> purposes;
  for (Purpose purpose : recipient.purposes) {
    purposes.push_back("`" + std::string(PurposeName(purpose)) + "`");
  }
  return RoleLabel(recipient.role) + " (`" + std::string(RoleName(recipient.role)) +
         "`): " + ScopeLabel(recipient.scope) + ", " + PeriodLabel(recipient.period) + ", for " +
         JoinLabels(purposes, ", ");
}

void ActivityMarkdown(const ProcessingActivity& activity, size_t number, std::string& out) {
  out += "\n### " + std::to_string(number) + ". " + activity.title + "\n\n";
  out += "- **Data class:** `" + activity.data_class + "`\n";
  out += "- **Purposes:**\n";
  for (const std::string& purpose : activity.purposes) {
    out += "  - " + PurposeLabel(purpose) + " (`" + purpose + "`)\n";
  }
  out += "- **Legal basis:** " + activity.legal_basis + "\n";
  out += "- **Data subjects:** " + JoinLabels(activity.data_subjects, "; ") + "\n";
  out += "- **Categories of personal data:** " + JoinLabels(activity.data_categories, "; ") + "\n";
  out += "- **Recipients:**";
  if (activity.recipients.empty() && activity.recipients_note.empty()) {
    out += " none\n";
  } else {
    out += "\n";
  }
  for (const ProcessingRecipient& recipient : activity.recipients) {
    out += "  - " + RecipientLine(recipient) + "\n";
  }
  if (!activity.recipients_note.empty()) {
    out += "  - " + activity.recipients_note + "\n";
  }
  out += "- **Retention:** " + activity.retention + "\n";
  out += "- **Rules:** " + JoinLabels(activity.rules, ", ") + "\n";
}

}  // namespace

std::string RecordOfProcessingMarkdown(const RecordOfProcessing& record) {
  std::string out = "# Record of processing activities (GDPR Art. 30)\n\n";
  out += "Generated by `entrepot policy register` from the site's privacy policy (profile `" +
         std::string(ProfileName(record.profile)) +
         "`). A draft for the controller to complete and sign; not legal advice.\n";
  out += "\n## Controller\n\n";
  out += "- **Controller:** " + OrMissing(record.controller, "notice.controller") + "\n";
  out += "- **Data protection officer:** " + OrMissing(record.dpo_contact, "notice.dpo_contact") +
         "\n";
  out += "\n## Processing activities\n";
  for (size_t i = 0; i < record.activities.size(); ++i) {
    ActivityMarkdown(record.activities[i], i + 1, out);
  }
  out += "\n## Processing without personal data\n\n";
  for (const NonPersonalProcessing& item : record.non_personal) {
    out += "- **" + item.title + "** (`" + item.id + "`): " + item.description + "\n";
  }
  out += "\n## Safeguards (Art. 30(1)(g), Art. 32)\n\n";
  for (const std::string& safeguard : record.safeguards) {
    out += "- " + safeguard + "\n";
  }
  out += "\n## Transfers (Art. 30(1)(e))\n\n" + record.transfers + "\n";
  out += "\n## Governance records\n\n";
  for (const GovernanceEntry& entry : record.governance) {
    out += "- **" + entry.name + ":** ";
    if (entry.reference.empty() && !entry.date.has_value()) {
      out += "none recorded\n";
      continue;
    }
    out += entry.reference.empty() ? "(no reference)" : entry.reference;
    out += entry.date.has_value() ? ", " + FormatDate(*entry.date) + "\n" : "\n";
  }
  return out;
}

namespace {

json RecipientJson(const ProcessingRecipient& recipient) {
  json purposes = json::array();
  for (Purpose purpose : recipient.purposes) {
    purposes.push_back(PurposeName(purpose));
  }
  return {{"role", RoleName(recipient.role)},
          {"scope", ScopeName(recipient.scope)},
          {"period", PeriodName(recipient.period)},
          {"purposes", std::move(purposes)}};
}

json ActivityJson(const ProcessingActivity& activity) {
  json recipients = json::array();
  for (const ProcessingRecipient& recipient : activity.recipients) {
    recipients.push_back(RecipientJson(recipient));
  }
  json retention = {{"text", activity.retention}};
  if (activity.retention_value.has_value()) {
    retention["value"] = *activity.retention_value;
    retention["unit"] = activity.retention_unit;
  }
  return {{"id", activity.id},
          {"title", activity.title},
          {"data_class", activity.data_class},
          {"purposes", activity.purposes},
          {"legal_basis", activity.legal_basis},
          {"data_subjects", activity.data_subjects},
          {"data_categories", activity.data_categories},
          {"recipients", std::move(recipients)},
          {"recipients_note", activity.recipients_note},
          {"retention", std::move(retention)},
          {"rules", activity.rules}};
}

}  // namespace

std::string RecordOfProcessingJson(const RecordOfProcessing& record) {
  json activities = json::array();
  for (const ProcessingActivity& activity : record.activities) {
    activities.push_back(ActivityJson(activity));
  }
  json non_personal = json::array();
  for (const NonPersonalProcessing& item : record.non_personal) {
    non_personal.push_back(
        {{"id", item.id}, {"title", item.title}, {"description", item.description}});
  }
  json governance = json::array();
  for (const GovernanceEntry& entry : record.governance) {
    governance.push_back(
        {{"name", entry.name},
         {"reference", entry.reference},
         {"date", entry.date.has_value() ? json(FormatDate(*entry.date)) : json(nullptr)}});
  }
  json document = {
      {"controller", record.controller},         {"dpo_contact", record.dpo_contact},
      {"profile", ProfileName(record.profile)},  {"activities", std::move(activities)},
      {"non_personal", std::move(non_personal)}, {"safeguards", record.safeguards},
      {"transfers", record.transfers},           {"governance", std::move(governance)}};
  // Policy strings are any UTF-8 the TOML parser accepted; replace rather than throw on the
  // impossible invalid byte, since no exception may escape.
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace entrepot::privacy
