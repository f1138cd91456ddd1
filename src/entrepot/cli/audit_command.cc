// `entrepot audit verify` and `entrepot audit list` (docs/AUDIT.md): the audit log in
// DIR/audit.db, or with --store the site's log in PostgreSQL (docs/STORAGE.md), opened
// read-only, so that they can run beside a serving site.
#include <iostream>
#include <string>

#include "entrepot/api/audit_trail.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/postgres_audit_log.h"

namespace entrepot::cli {
namespace {

constexpr int kBroken = 1;
constexpr int kCannotRun = 2;

// The key is DIR/audit.key in both cases; with a store, the site is --site or the
// database's only one.
StatusOr<std::unique_ptr<store::AuditLog>> OpenReadOnly(const std::string& data_dir,
                                                        const std::string& store_url,
                                                        const std::string& site) {
  store::AuditLogOptions options;
  options.read_only = true;
  if (store_url.empty()) {
    return store::AuditLog::OpenInDirectory(data_dir, options);
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string code,
                            ResolveSiteCode(SiteLocation(data_dir, store_url, site)));
  return store::OpenSiteAuditLog(data_dir, store_url, code, options);
}

// A damaged file is a failed check; anything else (no log, no key, I/O) means the check
// could not run.
int ExitFor(const Status& status) {
  return status.code() == StatusCode::kDataLoss ? kBroken : kCannotRun;
}

std::string Summary(const store::AuditLog& log, const privacy::AuditVerifyReport& report,
                    const std::optional<privacy::AuditCheckpoint>& checkpoint) {
  std::string line = "audit log " + log.path() + " intact: " + std::to_string(report.records) +
                     " record" + (report.records == 1 ? "" : "s");
  if (report.records > 0) {
    line += " (seq " + std::to_string(report.last_seq - report.records + 1) + " to " +
            std::to_string(report.last_seq) + ")";
  }
  if (report.anchor_seq > 0) {
    line += ", seqs up to " + std::to_string(report.anchor_seq) + " pruned";
  }
  if (checkpoint.has_value()) {
    line += report.checkpoint_pruned
                ? ", checkpoint seq " + std::to_string(checkpoint->seq) + " pruned (not checked)"
                : ", checkpoint seq " + std::to_string(checkpoint->seq) + " matches";
  }
  return line + "; head " + privacy::FormatAuditCheckpoint({report.last_seq, report.last_hash}) +
         "\n";
}

}  // namespace

int RunAuditVerify(const AuditVerifyOptions& options) {
  std::optional<privacy::AuditCheckpoint> checkpoint;
  if (options.checkpoint.has_value()) {
    StatusOr<privacy::AuditCheckpoint> parsed = privacy::ParseAuditCheckpoint(*options.checkpoint);
    if (!parsed.ok()) {
      return ReportError(parsed.status(), kBroken);
    }
    checkpoint = *parsed;
  }
  StatusOr<std::unique_ptr<store::AuditLog>> log =
      OpenReadOnly(options.data_dir, options.store, options.site);
  if (!log.ok()) {
    return ReportError(log.status(), ExitFor(log.status()));
  }
  StatusOr<privacy::AuditVerifyReport> report = (*log)->Verify(checkpoint);
  if (!report.ok()) {
    return ReportError(report.status(), ExitFor(report.status()));
  }
  if (report->intact()) {
    std::cout << Summary(**log, *report, checkpoint);
    return 0;
  }
  std::cout << "audit log " << (*log)->path() << " BROKEN at seq " << report->broken_seq << ": "
            << privacy::AuditBreakName(report->broken) << ": " << report->message << " ("
            << report->records << " record" << (report->records == 1 ? "" : "s")
            << " verified before it)\n";
  return kBroken;
}

int RunAuditList(const AuditListOptions& options) {
  StatusOr<std::unique_ptr<store::AuditLog>> log =
      OpenReadOnly(options.data_dir, options.store, options.site);
  if (!log.ok()) {
    return ReportError(log.status(), kCannotRun);
  }
  store::AuditQuery query;
  query.subject = options.subject;
  query.actor = options.actor;
  query.from_ms = options.from_ms;
  query.to_ms = options.to_ms;
  query.cursor = options.cursor;
  query.newest_first = options.newest_first;
  query.limit = options.limit;
  StatusOr<store::AuditPage> page = (*log)->Query(query);
  if (!page.ok()) {
    const bool refused = page.status().code() == StatusCode::kInvalidArgument;
    return ReportError(page.status(), refused ? kBroken : kCannotRun);
  }
  for (const store::StoredAuditRecord& row : page->records) {
    std::cout << api::DumpJson(api::AuditRecordJson(row)) << "\n";
  }
  if (page->next_cursor.has_value()) {
    std::cerr << "more: --cursor " << *page->next_cursor << "\n";
  }
  return 0;
}

}  // namespace entrepot::cli
