// `entrepot policy register` (docs/AUDIT.md): the record of processing activities (GDPR
// Art. 30) generated from a policy file, or from the built-in default. The command reads the
// file and today's date; the privacy module builds the record without I/O or clock.
#include <chrono>
#include <iostream>
#include <string>

#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/privacy/record_of_processing.h"

namespace entrepot::cli {
namespace {

// As the other policy commands: an unreadable file is a refusal.
constexpr int kRefused = 1;

StatusOr<privacy::Date> Today(const PolicyOptions& options) {
  if (!options.today.has_value()) {
    return privacy::Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  }
  StatusOr<privacy::Date> today = privacy::ParseDate(*options.today);
  if (!today.ok()) {
    return today.status().WithContext("--today");
  }
  return today;
}

StatusOr<privacy::Policy> LoadPolicy(const PolicyOptions& options) {
  if (!options.file.has_value()) {
    return privacy::DefaultPolicy();
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
  return policy;
}

}  // namespace

int RunPolicyRegister(const PolicyOptions& options) {
  StatusOr<privacy::Date> today = Today(options);
  if (!today.ok()) {
    return ReportError(today.status(), kRefused);
  }
  StatusOr<privacy::Policy> policy = LoadPolicy(options);
  if (!policy.ok()) {
    return ReportError(policy.status(), kRefused);
  }
  privacy::PolicyReport report = privacy::CheckPolicy(*policy, *today);
  if (!report.lawful()) {
    // The register describes the file faithfully; whoever files it must know it is unusable.
    std::cerr << "warning: " << options.file.value_or("the default policy") << " breaks "
              << report.CountOf(privacy::Severity::kHard)
              << " hard rule(s) and cannot be used; see `entrepot policy check`\n";
  }
  const privacy::RecordOfProcessing record = privacy::BuildRecordOfProcessing(*policy);
  std::cout << (options.json ? privacy::RecordOfProcessingJson(record)
                             : privacy::RecordOfProcessingMarkdown(record));
  return 0;
}

}  // namespace entrepot::cli
