// File: policy.h
//
// The site's privacy policy: what labor data Entrepôt may collect, for which purposes, who
// may read it, for how long, and the governance records behind it. It is the input of the
// privacy engine (issue 4): CheckPolicy() (policy_check.h) says whether it is lawful under
// the rule base of ../shared/design/privacy-rules.md, ExplainPolicy() (policy_explain.h)
// turns it into the notice to workers, and the later slices (labor stream, aggregates,
// access checks, audit, retention jobs) read their parameters from it.
//
// A policy is written in TOML; docs/POLICY.md is the reference of every key, and
// examples/policies/ has a lawful starting point for each profile. Parsing is strict: an
// unknown key, a wrong type or an unknown name is an error naming the key path
// ("indicators.idle_time.threshold_minutes"). Every key is optional; an absent key keeps
// the value of DefaultPolicy(), so the empty file is the default policy. An [[access]] list,
// when given, replaces the default grants as a whole.
//
// Parsing checks form (types, names, bounds); lawfulness is CheckPolicy()'s job, so that a
// policy such as examples/policies/cnil-2024-fined.toml parses and is then refused with
// the rule ids it breaks. Pure: no I/O, no clock (dates are parameters).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::privacy {

// A calendar date (governance records, the date a policy is checked on).
using Date = std::chrono::year_month_day;

// The reading of the law the check applies (docs/POLICY.md, "Profiles").
enum class Profile {
  kCnilStrict,         // "cnil-strict": the regulator's doctrine (CNIL SAN-2023-021). Default.
  kFrConseilEtat2025,  // "fr-conseil-etat-2025": the appeal court's reading, opt-in.
};

// Why data is read or computed (GOV-02: each data class and grant carries its purposes).
enum class Purpose {
  kFlowManagement,      // "flow_management": real-time order flow, reassignment.
  kCoaching,            // "coaching".
  kQuality,             // "quality": finding and fixing handling errors.
  kSafety,              // "safety".
  kProcessImprovement,  // "process_improvement": resolving technical or process problems.
  kPlanning,            // "planning".
  kEvaluation,          // "evaluation": individual evaluation (TRN-03).
  kTraining,            // "training".
  kWorkingTime,         // "working_time": working-time control (IND-09 refuses it).
  kDiscipline,          // "discipline": sanctions, "awareness letters".
  kDataProtection,      // "data_protection": the DPO's oversight.
  kOwnData,             // "own_data": a worker reading their own data (GDPR Art. 15).
};

// The kinds of data a grant gives access to, and that have a retention period.
enum class DataClass {
  kOperational,     // "operational": stock and scans by device, no worker identity (RET-01).
  kLaborEvents,     // "labor_events": worker-linked labor events under the day pseudonym.
  kWorkerWeekly,    // "worker_weekly": weekly per-worker aggregates (IND-08).
  kTeamAggregates,  // "team_aggregates": by zone, process, team, shift; >= k people (AGG-01).
  kAuditLog,        // "audit_log": who read which worker's data (RET-03).
};

// The account roles of auth/access.h, by the same names.
enum class Role { kAdmin, kSiteManager, kSupervisor, kHr, kDpo, kWorker };

// Whose data a grant covers, relative to the reader.
enum class Scope {
  kSelf,             // "self": the reader's own data.
  kOwnShiftAndZone,  // "own_shift_and_zone": workers of the reader's current shift and zone.
  kOwnTeam,          // "own_team": the reader's team (a line manager).
  kSite,             // "site": everyone at the site.
};

// How far back a grant reaches.
enum class Period {
  kCurrentShift,  // "current_shift".
  kToday,         // "today".
  kAllRetained,   // "all_retained": everything kept under the retention period.
};

// What the stow speed check's flag is attached to (IND-01).
enum class Attachment { kLocation, kWorker };

// The time bucket of per-worker history (IND-07, AGG-03).
enum class Bucket { kHour, kHalfDay, kDay, kWeek, kMonth };

// What a weekly per-worker report may contain (IND-08); the last five are listed so that
// the check can name the rule they break.
enum class WeeklyContent {
  kUnitsPerProcess,   // "units_per_process".
  kUnitsPerItemType,  // "units_per_item_type".
  kTimePerStation,    // "time_per_station".
  kErrorsPerCause,    // "errors_per_cause".
  kDailyBreakdown,    // "daily_breakdown" (IND-08 refuses it).
  kHourlyBreakdown,   // "hourly_breakdown" (IND-08).
  kRawErrors,         // "raw_errors" (IND-08).
  kIdleTime,          // "idle_time" (IND-02: idle time is never counted per week).
  kRanking,           // "ranking" (IND-14: no forced ranking).
};

// Languages of the notice (ExplainPolicy).
enum class Language { kEnglish, kFrench };

inline constexpr Profile kAllProfiles[] = {Profile::kCnilStrict, Profile::kFrConseilEtat2025};
inline constexpr Purpose kAllPurposes[] = {
    Purpose::kFlowManagement, Purpose::kCoaching,           Purpose::kQuality,
    Purpose::kSafety,         Purpose::kProcessImprovement, Purpose::kPlanning,
    Purpose::kEvaluation,     Purpose::kTraining,           Purpose::kWorkingTime,
    Purpose::kDiscipline,     Purpose::kDataProtection,     Purpose::kOwnData};
inline constexpr DataClass kAllDataClasses[] = {DataClass::kOperational, DataClass::kLaborEvents,
                                                DataClass::kWorkerWeekly,
                                                DataClass::kTeamAggregates, DataClass::kAuditLog};
inline constexpr Role kAllRoles[] = {Role::kAdmin, Role::kSiteManager, Role::kSupervisor,
                                     Role::kHr,    Role::kDpo,         Role::kWorker};
inline constexpr Scope kAllScopes[] = {Scope::kSelf, Scope::kOwnShiftAndZone, Scope::kOwnTeam,
                                       Scope::kSite};
inline constexpr Period kAllPeriods[] = {Period::kCurrentShift, Period::kToday,
                                         Period::kAllRetained};
inline constexpr Attachment kAllAttachments[] = {Attachment::kLocation, Attachment::kWorker};
inline constexpr Bucket kAllBuckets[] = {Bucket::kHour, Bucket::kHalfDay, Bucket::kDay,
                                         Bucket::kWeek, Bucket::kMonth};
inline constexpr WeeklyContent kAllWeeklyContents[] = {
    WeeklyContent::kUnitsPerProcess, WeeklyContent::kUnitsPerItemType,
    WeeklyContent::kTimePerStation,  WeeklyContent::kErrorsPerCause,
    WeeklyContent::kDailyBreakdown,  WeeklyContent::kHourlyBreakdown,
    WeeklyContent::kRawErrors,       WeeklyContent::kIdleTime,
    WeeklyContent::kRanking};
inline constexpr Language kAllLanguages[] = {Language::kEnglish, Language::kFrench};

// The names used in policy files: "cnil-strict", "flow_management", "labor_events",
// "site_manager" (as auth::RoleName), "own_shift_and_zone", "current_shift", "location",
// "half_day", "units_per_process", "en"/"fr".
std::string_view ProfileName(Profile profile);
std::string_view PurposeName(Purpose purpose);
std::string_view DataClassName(DataClass data_class);
std::string_view RoleName(Role role);
std::string_view ScopeName(Scope scope);
std::string_view PeriodName(Period period);
std::string_view AttachmentName(Attachment attachment);
std::string_view BucketName(Bucket bucket);
std::string_view WeeklyContentName(WeeklyContent content);
std::string_view LanguageName(Language language);

// IND-04, IND-05: the current task, today's units and today's quality errors of a worker,
// linked under the day pseudonym, read in real time (grants on kLaborEvents).
struct RealtimeIndividual {
  bool enabled = true;
  bool link_quality_errors = true;  // IND-05: a quality error names its worker, same day.
  std::vector<Purpose> purposes = {Purpose::kFlowManagement, Purpose::kCoaching, Purpose::kQuality};
  friend bool operator==(const RealtimeIndividual&, const RealtimeIndividual&) = default;
};

// IND-08: weekly per-worker aggregates (grants on kWorkerWeekly).
struct WorkerWeekly {
  bool enabled = true;
  Bucket bucket = Bucket::kWeek;
  std::vector<WeeklyContent> contents = {WeeklyContent::kUnitsPerProcess,
                                         WeeklyContent::kTimePerStation,
                                         WeeklyContent::kErrorsPerCause};
  // Evaluation is left out by default: it needs published evaluation methods (TRN-03).
  std::vector<Purpose> purposes = {Purpose::kPlanning, Purpose::kTraining};
  friend bool operator==(const WorkerWeekly&, const WorkerWeekly&) = default;
};

// IND-01: stows from one device closer together than the threshold flag the bin for a
// check (`entrepot ingest --stow-too-fast-ms`).
struct StowSpeedCheck {
  bool enabled = true;
  int64_t threshold_ms = 1250;
  Attachment attach_to = Attachment::kLocation;
  std::vector<Purpose> purposes = {Purpose::kQuality};
  friend bool operator==(const StowSpeedCheck&, const StowSpeedCheck&) = default;
};

// IND-02: nominative idle time (no scan for threshold_minutes consecutive minutes).
// Monitoring class: locked until the governance records exist (GOV-01).
struct IdleTime {
  bool enabled = false;
  int64_t threshold_minutes = 30;
  bool breaks_excluded = true;
  int64_t display_delay_minutes = 120;  // 0: shown in real time.
  bool weekly_totals = false;           // Counted per worker and week.
  std::vector<Purpose> purposes = {Purpose::kProcessImprovement};
  friend bool operator==(const IdleTime&, const IdleTime&) = default;
};

// IND-03: latencies of from_minutes to to_minutes at shift start and end and around breaks.
// Monitoring class (GOV-01); refused under cnil-strict.
struct Latency {
  bool enabled = false;
  int64_t from_minutes = 1;
  int64_t to_minutes = 10;
  int64_t display_delay_minutes = 120;
  bool weekly_totals = false;
  std::vector<Purpose> purposes = {Purpose::kProcessImprovement};
  friend bool operator==(const Latency&, const Latency&) = default;
};

struct Indicators {
  RealtimeIndividual realtime_individual;
  WorkerWeekly worker_weekly;
  StowSpeedCheck stow_speed_check;
  IdleTime idle_time;
  Latency latency;
  friend bool operator==(const Indicators&, const Indicators&) = default;
};

// How long each data class is kept (RET-01, RET-02, RET-03).
struct Retention {
  int64_t operational_years = 10;  // Our default [D]: operational data names no worker.
  int64_t labor_events_days = 1;   // 1: the current day; the day key is then destroyed.
  int64_t worker_weekly_weeks = 13;
  int64_t audit_log_months = 6;
  friend bool operator==(const Retention&, const Retention&) = default;
};

// The labor stream's calendar (docs/LABOR.md, "Labor days").
struct LaborSettings {
  // The site's IANA time zone ("Europe/Paris"): a labor day runs from local midnight to local
  // midnight, and its end starts the roll-up that destroys the day key (RET-01). Parsing
  // checks the form (kMaxTimeZoneNameBytes of [A-Za-z0-9/_+-]); whether the tz database knows
  // the zone is CheckPolicy's question, answered by whoever can read the database.
  std::string time_zone = "UTC";
  friend bool operator==(const LaborSettings&, const LaborSettings&) = default;
};
inline constexpr size_t kMaxTimeZoneNameBytes = 64;

// AGG-01, AGG-02.
struct Aggregates {
  int64_t min_group_size = 10;
  bool differencing_protection = true;
  friend bool operator==(const Aggregates&, const Aggregates&) = default;
};

// Role `role` may read `data` about the workers in `scope`, as far back as `period`, for
// `purposes` (GOV-02: a read declares one of them).
struct AccessGrant {
  Role role = Role::kWorker;
  DataClass data = DataClass::kOperational;
  Scope scope = Scope::kSelf;
  Period period = Period::kAllRetained;
  std::vector<Purpose> purposes;
  friend bool operator==(const AccessGrant&, const AccessGrant&) = default;
};

// A governance record: when it happened and where to find it.
struct Record {
  std::optional<Date> date;
  std::string reference;
  friend bool operator==(const Record&, const Record&) = default;
};

struct Governance {
  std::optional<int64_t> staff_count;         // Unknown counts as >= 50 (a works council exists).
  Record works_council;                       // Consultation of the CSE (C. trav. L2312-38).
  Record dpia;                                // Data protection impact assessment (GDPR Art. 35).
  Record evaluation_methods;                  // Published evaluation methods (C. trav. L1222-3).
  std::string audit_retention_justification;  // Internal-control case for audit > 12 months.
  friend bool operator==(const Governance&, const Governance&) = default;
};

// TRN-01, TRN-02.
struct Notice {
  bool require_acknowledgement = true;  // The scan session waits for the worker's "I have read".
  std::string controller;               // The employer, as named in the notice.
  std::string dpo_contact;
  std::vector<Language> languages = {Language::kFrench, Language::kEnglish};
  friend bool operator==(const Notice&, const Notice&) = default;
};

struct Policy {
  Profile profile = Profile::kCnilStrict;
  Indicators indicators;
  Retention retention;
  LaborSettings labor;
  Aggregates aggregates;
  std::vector<AccessGrant> access;
  Governance governance;
  Notice notice;
  friend bool operator==(const Policy&, const Policy&) = default;
};

// Limits on a policy file (more gives kResourceExhausted "policy_too_large").
inline constexpr size_t kMaxPolicyTomlBytes = size_t{1} << 20;
inline constexpr size_t kMaxAccessGrants = 100;
inline constexpr size_t kMaxPolicyStringBytes = 500;

// The built-in policy used when none is given: cnil-strict, real-time individual data for
// the supervisor of the shift and zone today only, weekly aggregates for planning and
// training kept 13 weeks, the stow check on bins, no idle time or latency, k = 10, audit
// 6 months. CheckPolicy() finds no hard-rule violation in it (only the missing DPO contact,
// a warning).
Policy DefaultPolicy();

// Parses a policy file. Returns, with the key path and, where known, line and column:
//   kInvalidArgument "bad_toml"            — not valid TOML;
//   kInvalidArgument "bad_policy"          — an unknown key, a wrong type, an unknown name,
//                                            a number out of bounds, an empty or duplicated
//                                            list entry, a duplicated grant;
//   kResourceExhausted "policy_too_large"  — over kMaxPolicyTomlBytes, kMaxAccessGrants or
//                                            kMaxPolicyStringBytes.
StatusOr<Policy> ParsePolicyToml(std::string_view toml_text);

// DefaultPolicy() when `toml_text` is empty, else ParsePolicyToml(toml_text). This is what
// the server calls at start with the file of `--policy` (or nothing); see also
// LoadLawfulPolicy() in policy_check.h, which also refuses an unlawful policy.
StatusOr<Policy> LoadPolicyOrDefault(std::string_view toml_text);

// "2026-05-04" from a date, and back. ParseDate returns kInvalidArgument "bad_date" for
// anything but a valid YYYY-MM-DD date.
std::string FormatDate(const Date& date);
StatusOr<Date> ParseDate(std::string_view text);

}  // namespace entrepot::privacy
