// `entrepot policy check` and `entrepot policy explain` (docs/POLICY.md). The command reads
// the file and today's date; the privacy module does the rest without I/O or clock.
#include <chrono>
#include <iostream>
#include <string>

#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/privacy/policy_explain.h"
#include "entrepot/server/labor_day.h"

namespace entrepot::cli {
namespace {

// Every failure of these commands exits 1: an unreadable file is as much a refusal as an
// unlawful policy, for the scripts that run `policy check` before deploying.
constexpr int kRefused = 1;

struct Loaded {
  privacy::Policy policy;
  privacy::Date today;
  std::string name;  // The file, or "the default policy".
};

StatusOr<Loaded> Load(const PolicyOptions& options) {
  Loaded loaded{privacy::DefaultPolicy(), TodayUtc(), "the default policy"};
  if (options.today.has_value()) {
    StatusOr<privacy::Date> today = privacy::ParseDate(*options.today);
    if (!today.ok()) {
      return today.status().WithContext("--today");
    }
    loaded.today = *today;
  }
  if (!options.file.has_value()) {
    return loaded;
  }
  StatusOr<std::string> text = ReadFile(*options.file, privacy::kMaxPolicyTomlBytes);
  if (!text.ok()) {
    return text.status();
  }
  // An empty file is the default policy, as the server treats it.
  StatusOr<privacy::Policy> policy = privacy::LoadPolicyOrDefault(*text);
  if (!policy.ok()) {
    return policy.status().WithContext(*options.file);
  }
  loaded.policy = *std::move(policy);
  loaded.name = *options.file;
  return loaded;
}

}  // namespace

int RunPolicyCheck(const PolicyOptions& options) {
  StatusOr<Loaded> loaded = Load(options);
  if (!loaded.ok()) {
    return ReportError(loaded.status(), kRefused);
  }
  // The labor day's time zone is looked up in this machine's tz database, as serve does.
  privacy::PolicyReport report =
      privacy::CheckPolicy(loaded->policy, loaded->today, server::IsKnownTimeZone);
  std::cout << loaded->name << " as of " << privacy::FormatDate(loaded->today) << ", "
            << privacy::FormatReport(report);
  return report.lawful() ? 0 : kRefused;
}

int RunPolicyExplain(const PolicyOptions& options) {
  StatusOr<Loaded> loaded = Load(options);
  if (!loaded.ok()) {
    return ReportError(loaded.status(), kRefused);
  }
  privacy::Language language = privacy::Language::kEnglish;
  if (options.language == "fr") {
    language = privacy::Language::kFrench;
  } else if (options.language != "en") {
    return ReportError(Error(StatusCode::kInvalidArgument, "bad_language",
                             "--lang must be en or fr, not \"" + options.language + "\""),
                       kRefused);
  }
  privacy::PolicyReport report = privacy::CheckPolicy(loaded->policy, loaded->today);
  if (!report.lawful()) {
    // The notice describes the file faithfully; whoever reads it must know it is not usable.
    std::cerr << "warning: " << loaded->name << " breaks "
              << report.CountOf(privacy::Severity::kHard)
              << " hard rule(s) and cannot be used; see `entrepot policy check`\n";
  }
  std::cout << privacy::ExplainPolicy(loaded->policy, language);
  return 0;
}

}  // namespace entrepot::cli
