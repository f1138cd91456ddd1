// ParsePolicyToml(): the strict reader of policy files (docs/POLICY.md).
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/base/toml.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {
namespace {

struct Bounds {
  int64_t min;
  int64_t max;
};
constexpr Bounds kThresholdMsBounds{1, 60'000};
constexpr Bounds kMinutesBounds{1, 24 * 60};
constexpr Bounds kDelayMinutesBounds{0, 7 * 24 * 60};
constexpr Bounds kYearsBounds{1, 100};
constexpr Bounds kDaysBounds{1, 3650};
constexpr Bounds kWeeksBounds{1, 520};
constexpr Bounds kMonthsBounds{1, 120};
constexpr Bounds kGroupSizeBounds{1, 1000};
constexpr Bounds kStaffBounds{1, 10'000'000};
constexpr Bounds kVersionBounds{1, 1};

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Where(const toml::node* node) {
  if (node == nullptr || !node->source().begin) {
    return "";
  }
  const toml::source_position& begin = node->source().begin;
  return " (line " + std::to_string(begin.line) + ", column " + std::to_string(begin.column) + ")";
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Status PolicyError(std::string_view path, const toml::node* at, const std::string& problem) {
  return Error(StatusCode::kInvalidArgument, "bad_policy",
               std::string(path) + ": " + problem + Where(at));
}

Status TooLarge(std::string_view path, const toml::node* at, const std::string& problem) {
  return Error(StatusCode::kResourceExhausted, "policy_too_large",
               std::string(path) + ": " + problem + Where(at));
}

// "flow_management, coaching, ...": the names a key accepts, for error messages.
template <typename E, size_t N>
std::string NameList(const E (&all)[N], std::string_view (*name)(E)) {
  std::string list;
  for (E value : all) {
    list += list.empty() ? "" : ", ";
    list += name(value);
  }
  return list;
}

// A table of the policy file and its key path ("indicators.idle_time"). Each reader takes
// the value to keep when the key is absent, so that absent keys keep DefaultPolicy()'s.
class Table {
 public:
  Table(std::string path, const toml::table& table) : path_(std::move(path)), table_(table) {}

  const toml::table& table() const { return table_; }
  std::string PathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) {
        continue;
      }
      std::string expected;
      for (std::string_view name : allowed) {
        expected += expected.empty() ? "" : ", ";
        expected += name;
      }
      return PolicyError(PathOf(key.str()), &value,
                         "unknown key (expected one of: " + expected +
                             (path_.empty() ? ")" : " in " + path_ + ")"));
    }
    return OkStatus();
  }

  Status Require(std::string_view key) const {
    if (table_.get(key) == nullptr) {
      return PolicyError(PathOf(key), &table_, "missing key");
    }
    return OkStatus();
  }

  StatusOr<bool> Bool(std::string_view key, bool fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    if (!node->is_boolean()) {
      return WrongType(key, node, "a boolean (true or false)");
    }
    return node->as_boolean()->get();
  }

  StatusOr<int64_t> Integer(std::string_view key, Bounds bounds, int64_t fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    if (!node->is_integer()) {
      return WrongType(key, node, "an integer");
    }
    int64_t value = node->as_integer()->get();
    if (value < bounds.min || value > bounds.max) {
      return PolicyError(PathOf(key), node,
                         "is " + std::to_string(value) + "; it must be in [" +
                             std::to_string(bounds.min) + ", " + std::to_string(bounds.max) + "]");
    }
    return value;
  }

  StatusOr<std::string> String(std::string_view key, std::string fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    if (!node->is_string()) {
      return WrongType(key, node, "a string");
    }
    const std::string& value = node->as_string()->get();
    if (value.size() > kMaxPolicyStringBytes) {
      return TooLarge(PathOf(key), node,
                      "has " + std::to_string(value.size()) + " bytes; at most " +
                          std::to_string(kMaxPolicyStringBytes) + " are allowed");
    }
    // The text is printed in the notice: one line, no terminal control characters.
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return PolicyError(PathOf(key), node, "must be one line without control characters");
    }
    return value;
  }

  // An IANA time zone name by its form: segments of [A-Za-z0-9_+-] separated by single '/'
  // ("Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT-2").
  StatusOr<std::string> TimeZoneName(std::string_view key, std::string fallback) const {
    ENTREPOT_ASSIGN_OR_RETURN(std::string value, String(key, std::move(fallback)));
    const auto part = [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '+' || c == '-';
    };
    bool ok = !value.empty() && value.size() <= kMaxTimeZoneNameBytes && value.front() != '/' &&
              value.back() != '/' && value.find("//") == std::string::npos;
    ok = ok && std::all_of(value.begin(), value.end(), [&](char c) { return part(c) || c == '/'; });
    if (!ok) {
      return PolicyError(PathOf(key), table_.get(key),
                         "must be an IANA time zone name such as \"Europe/Paris\" or \"UTC\", "
                         "not " +
                             Quoted(value));
    }
    return value;
  }

  StatusOr<std::optional<Date>> DateField(std::string_view key,
                                          std::optional<Date> fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    if (!node->is_date()) {
      return WrongType(key, node, "a date written 2025-03-14 (without quotes)");
    }
    const toml::date& date = node->as_date()->get();
    return std::optional<Date>(Date{std::chrono::year(date.year), std::chrono::month(date.month),
                                    std::chrono::day(date.day)});
  }

  template <typename E, size_t N>
  StatusOr<E> Name(std::string_view key, const E (&all)[N], std::string_view (*name)(E),
                   E fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    return NameOf(PathOf(key), node, all, name);
  }

  // A list of distinct names; an empty list is refused (every list here must say something).
  template <typename E, size_t N>
  StatusOr<std::vector<E>> Names(std::string_view key, const E (&all)[N],
                                 std::string_view (*name)(E), std::vector<E> fallback) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return fallback;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return WrongType(key, node,
                       "an array of names such as [\"" + std::string(name(all[0])) + "\"]");
    }
    if (array->empty()) {
      return PolicyError(PathOf(key), node, "must list at least one of: " + NameList(all, name));
    }
    std::vector<E> values;
    for (size_t i = 0; i < array->size(); ++i) {
      std::string path = PathOf(key) + "[" + std::to_string(i) + "]";
      ENTREPOT_ASSIGN_OR_RETURN(E value, NameOf(path, array->get(i), all, name));
      if (std::find(values.begin(), values.end(), value) != values.end()) {
        return PolicyError(path, array->get(i), Quoted(name(value)) + " is listed twice");
      }
      values.push_back(value);
    }
    return values;
  }

  // The sub-table under `key`, or nullopt when absent.
  StatusOr<std::optional<Table>> SubTable(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return std::optional<Table>();
    }
    if (!node->is_table()) {
      return WrongType(key, node, "a table");
    }
    return std::optional<Table>(Table(PathOf(key), *node->as_table()));
  }

 private:
  Status WrongType(std::string_view key, const toml::node* node,
                   const std::string& expected) const {
    return PolicyError(PathOf(key), node,
                       "must be " + expected + ", not " + std::string(TypeName(*node)));
  }

  template <typename E, size_t N>
  static StatusOr<E> NameOf(const std::string& path, const toml::node* node, const E (&all)[N],
                            std::string_view (*name)(E)) {
    if (!node->is_string()) {
      return PolicyError(path, node,
                         "must be a string, one of: " + NameList(all, name) + "; not " +
                             std::string(TypeName(*node)));
    }
    const std::string& text = node->as_string()->get();
    for (E value : all) {
      if (name(value) == text) {
        return value;
      }
    }
    return PolicyError(path, node, Quoted(text) + " is not one of: " + NameList(all, name));
  }

  std::string path_;
  const toml::table& table_;
};

// ---------------------------------------------------------------------------------------------
// Sections. Each reads one table into the policy, keeping defaults for absent keys.

Status ReadRealtimeIndividual(const Table& table, RealtimeIndividual& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"enabled", "link_quality_errors", "purposes"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.enabled, table.Bool("enabled", out.enabled));
  ENTREPOT_ASSIGN_OR_RETURN(out.link_quality_errors,
                            table.Bool("link_quality_errors", out.link_quality_errors));
  ENTREPOT_ASSIGN_OR_RETURN(out.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, out.purposes));
  return OkStatus();
}

Status ReadWorkerWeekly(const Table& table, WorkerWeekly& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"enabled", "bucket", "contents", "purposes"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.enabled, table.Bool("enabled", out.enabled));
  ENTREPOT_ASSIGN_OR_RETURN(out.bucket, table.Name("bucket", kAllBuckets, BucketName, out.bucket));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.contents, table.Names("contents", kAllWeeklyContents, WeeklyContentName, out.contents));
  ENTREPOT_ASSIGN_OR_RETURN(out.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, out.purposes));
  return OkStatus();
}

Status ReadStowSpeedCheck(const Table& table, StowSpeedCheck& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"enabled", "threshold_ms", "attach_to", "purposes"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.enabled, table.Bool("enabled", out.enabled));
  ENTREPOT_ASSIGN_OR_RETURN(out.threshold_ms,
                            table.Integer("threshold_ms", kThresholdMsBounds, out.threshold_ms));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.attach_to, table.Name("attach_to", kAllAttachments, AttachmentName, out.attach_to));
  ENTREPOT_ASSIGN_OR_RETURN(out.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, out.purposes));
  return OkStatus();
}

Status ReadIdleTime(const Table& table, IdleTime& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"enabled", "threshold_minutes", "breaks_excluded",
                                            "display_delay_minutes", "weekly_totals", "purposes"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.enabled, table.Bool("enabled", out.enabled));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.threshold_minutes,
      table.Integer("threshold_minutes", kMinutesBounds, out.threshold_minutes));
  ENTREPOT_ASSIGN_OR_RETURN(out.breaks_excluded,
                            table.Bool("breaks_excluded", out.breaks_excluded));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.display_delay_minutes,
      table.Integer("display_delay_minutes", kDelayMinutesBounds, out.display_delay_minutes));
  ENTREPOT_ASSIGN_OR_RETURN(out.weekly_totals, table.Bool("weekly_totals", out.weekly_totals));
  ENTREPOT_ASSIGN_OR_RETURN(out.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, out.purposes));
  return OkStatus();
}

Status ReadLatency(const Table& table, Latency& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"enabled", "from_minutes", "to_minutes",
                                            "display_delay_minutes", "weekly_totals", "purposes"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.enabled, table.Bool("enabled", out.enabled));
  ENTREPOT_ASSIGN_OR_RETURN(out.from_minutes,
                            table.Integer("from_minutes", kMinutesBounds, out.from_minutes));
  ENTREPOT_ASSIGN_OR_RETURN(out.to_minutes,
                            table.Integer("to_minutes", kMinutesBounds, out.to_minutes));
  if (out.from_minutes > out.to_minutes) {
    return PolicyError(table.PathOf("to_minutes"), table.table().get("to_minutes"),
                       "is " + std::to_string(out.to_minutes) + ", less than from_minutes (" +
                           std::to_string(out.from_minutes) + ")");
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      out.display_delay_minutes,
      table.Integer("display_delay_minutes", kDelayMinutesBounds, out.display_delay_minutes));
  ENTREPOT_ASSIGN_OR_RETURN(out.weekly_totals, table.Bool("weekly_totals", out.weekly_totals));
  ENTREPOT_ASSIGN_OR_RETURN(out.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, out.purposes));
  return OkStatus();
}

Status ReadIndicators(const Table& table, Indicators& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys(
      {"realtime_individual", "worker_weekly", "stow_speed_check", "idle_time", "latency"}));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> realtime, table.SubTable("realtime_individual"));
  if (realtime) {
    ENTREPOT_RETURN_IF_ERROR(ReadRealtimeIndividual(*realtime, out.realtime_individual));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> weekly, table.SubTable("worker_weekly"));
  if (weekly) {
    ENTREPOT_RETURN_IF_ERROR(ReadWorkerWeekly(*weekly, out.worker_weekly));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> stow, table.SubTable("stow_speed_check"));
  if (stow) {
    ENTREPOT_RETURN_IF_ERROR(ReadStowSpeedCheck(*stow, out.stow_speed_check));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> idle, table.SubTable("idle_time"));
  if (idle) {
    ENTREPOT_RETURN_IF_ERROR(ReadIdleTime(*idle, out.idle_time));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> latency, table.SubTable("latency"));
  if (latency) {
    ENTREPOT_RETURN_IF_ERROR(ReadLatency(*latency, out.latency));
  }
  return OkStatus();
}

Status ReadRetention(const Table& table, Retention& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys(
      {"operational_years", "labor_events_days", "worker_weekly_weeks", "audit_log_months"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.operational_years, table.Integer("operational_years", kYearsBounds,
                                                                 out.operational_years));
  ENTREPOT_ASSIGN_OR_RETURN(out.labor_events_days,
                            table.Integer("labor_events_days", kDaysBounds, out.labor_events_days));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.worker_weekly_weeks,
      table.Integer("worker_weekly_weeks", kWeeksBounds, out.worker_weekly_weeks));
  ENTREPOT_ASSIGN_OR_RETURN(out.audit_log_months,
                            table.Integer("audit_log_months", kMonthsBounds, out.audit_log_months));
  return OkStatus();
}

Status ReadLabor(const Table& table, LaborSettings& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"time_zone"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.time_zone, table.TimeZoneName("time_zone", out.time_zone));
  return OkStatus();
}

Status ReadAggregates(const Table& table, Aggregates& out) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"min_group_size", "differencing_protection"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.min_group_size,
                            table.Integer("min_group_size", kGroupSizeBounds, out.min_group_size));
  ENTREPOT_ASSIGN_OR_RETURN(out.differencing_protection,
                            table.Bool("differencing_protection", out.differencing_protection));
  return OkStatus();
}

StatusOr<AccessGrant> ReadGrant(const Table& table) {
  ENTREPOT_RETURN_IF_ERROR(table.CheckKeys({"role", "data", "scope", "period", "purposes"}));
  // Every field of a grant is required: a grant says in full who reads what, how far back.
  for (std::string_view key : {"role", "data", "scope", "period", "purposes"}) {
    ENTREPOT_RETURN_IF_ERROR(table.Require(key));
  }
  AccessGrant grant;
  ENTREPOT_ASSIGN_OR_RETURN(grant.role, table.Name("role", kAllRoles, RoleName, grant.role));
  ENTREPOT_ASSIGN_OR_RETURN(grant.data,
                            table.Name("data", kAllDataClasses, DataClassName, grant.data));
  ENTREPOT_ASSIGN_OR_RETURN(grant.scope, table.Name("scope", kAllScopes, ScopeName, grant.scope));
  ENTREPOT_ASSIGN_OR_RETURN(grant.period,
                            table.Name("period", kAllPeriods, PeriodName, grant.period));
  ENTREPOT_ASSIGN_OR_RETURN(grant.purposes,
                            table.Names("purposes", kAllPurposes, PurposeName, grant.purposes));
  return grant;
}

Status ReadAccess(const Table& root, std::vector<AccessGrant>& out) {
  const toml::node* node = root.table().get("access");
  const toml::array* array = node->as_array();
  if (array == nullptr || (!array->empty() && !array->is_array_of_tables())) {
    return PolicyError(
        "access", node,
        "must be an array of tables written [[access]], not " + std::string(TypeName(*node)));
  }
  if (array->size() > kMaxAccessGrants) {
    return TooLarge("access", node,
                    std::to_string(array->size()) + " grants; at most " +
                        std::to_string(kMaxAccessGrants) + " are allowed");
  }
  out.clear();
  for (size_t i = 0; i < array->size(); ++i) {
    const Table entry("access[" + std::to_string(i) + "]", *array->get(i)->as_table());
    ENTREPOT_ASSIGN_OR_RETURN(AccessGrant grant, ReadGrant(entry));
    for (size_t j = 0; j < out.size(); ++j) {
      if (out[j].role == grant.role && out[j].data == grant.data && out[j].scope == grant.scope) {
        return PolicyError(entry.PathOf("role"), &entry.table(),
                           "grants " + std::string(RoleName(grant.role)) + " " +
                               std::string(DataClassName(grant.data)) + " for scope " +
                               std::string(ScopeName(grant.scope)) + " again (see access[" +
                               std::to_string(j) + "]); merge the two");
      }
    }
    out.push_back(std::move(grant));
  }
  return OkStatus();
}

Status ReadRecord(const Table& parent, std::string_view key, std::string_view date_key,
                  Record& out) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> table, parent.SubTable(key));
  if (!table) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(table->CheckKeys({date_key, "reference"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.date, table->DateField(date_key, out.date));
  ENTREPOT_ASSIGN_OR_RETURN(out.reference, table->String("reference", out.reference));
  return OkStatus();
}

Status ReadGovernance(const Table& table, Governance& out) {
  ENTREPOT_RETURN_IF_ERROR(
      table.CheckKeys({"staff_count", "works_council", "dpia", "evaluation_methods",
                       "audit_retention_justification"}));
  if (table.table().contains("staff_count")) {
    ENTREPOT_ASSIGN_OR_RETURN(out.staff_count, table.Integer("staff_count", kStaffBounds, 0));
  }
  ENTREPOT_RETURN_IF_ERROR(ReadRecord(table, "works_council", "consulted_on", out.works_council));
  ENTREPOT_RETURN_IF_ERROR(ReadRecord(table, "dpia", "completed_on", out.dpia));
  ENTREPOT_RETURN_IF_ERROR(
      ReadRecord(table, "evaluation_methods", "published_on", out.evaluation_methods));
  ENTREPOT_ASSIGN_OR_RETURN(
      out.audit_retention_justification,
      table.String("audit_retention_justification", out.audit_retention_justification));
  return OkStatus();
}

Status ReadNotice(const Table& table, Notice& out) {
  ENTREPOT_RETURN_IF_ERROR(
      table.CheckKeys({"require_acknowledgement", "controller", "dpo_contact", "languages"}));
  ENTREPOT_ASSIGN_OR_RETURN(out.require_acknowledgement,
                            table.Bool("require_acknowledgement", out.require_acknowledgement));
  ENTREPOT_ASSIGN_OR_RETURN(out.controller, table.String("controller", out.controller));
  ENTREPOT_ASSIGN_OR_RETURN(out.dpo_contact, table.String("dpo_contact", out.dpo_contact));
  ENTREPOT_ASSIGN_OR_RETURN(out.languages,
                            table.Names("languages", kAllLanguages, LanguageName, out.languages));
  return OkStatus();
}

// Reads the optional table `key` of `root` with `read`.
template <typename T>
Status ReadSection(const Table& root, std::string_view key, Status (*read)(const Table&, T&),
                   T& out) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Table> table, root.SubTable(key));
  if (!table) {
    return OkStatus();
  }
  return read(*table, out);
}

StatusOr<Policy> ReadPolicy(const toml::table& document) {
  const Table root("", document);
  ENTREPOT_RETURN_IF_ERROR(root.CheckKeys({"version", "profile", "indicators", "retention", "labor",
                                           "aggregates", "access", "governance", "notice"}));
  Policy policy = DefaultPolicy();
  // The format's version: only 1 exists; a later format must not be read as this one.
  ENTREPOT_RETURN_IF_ERROR(root.Integer("version", kVersionBounds, 1).status());
  ENTREPOT_ASSIGN_OR_RETURN(policy.profile,
                            root.Name("profile", kAllProfiles, ProfileName, policy.profile));
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "indicators", ReadIndicators, policy.indicators));
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "retention", ReadRetention, policy.retention));
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "labor", ReadLabor, policy.labor));
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "aggregates", ReadAggregates, policy.aggregates));
  if (document.contains("access")) {
    ENTREPOT_RETURN_IF_ERROR(ReadAccess(root, policy.access));
  }
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "governance", ReadGovernance, policy.governance));
  ENTREPOT_RETURN_IF_ERROR(ReadSection(root, "notice", ReadNotice, policy.notice));
  return policy;
}

}  // namespace

StatusOr<Policy> ParsePolicyToml(std::string_view toml_text) {
  if (toml_text.size() > kMaxPolicyTomlBytes) {
    return Error(StatusCode::kResourceExhausted, "policy_too_large",
                 "policy file has " + std::to_string(toml_text.size()) + " bytes; at most " +
                     std::to_string(kMaxPolicyTomlBytes) + " are allowed");
  }
  toml::parse_result parsed = toml::parse(toml_text);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    const toml::source_position& begin = error.source().begin;
    return Error(StatusCode::kInvalidArgument, "bad_toml",
                 std::string(error.description()) + " (line " + std::to_string(begin.line) +
                     ", column " + std::to_string(begin.column) + ")");
  }
  return ReadPolicy(parsed.table());
}

}  // namespace entrepot::privacy
