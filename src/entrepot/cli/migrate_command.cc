// `entrepot migrate --from DIR --to postgresql://...`: moves a site's journal from SQLite to
// PostgreSQL, with its accounts (DIR/accounts.db) and its audit log of personal-data access
// (DIR/audit.db), which a PostgreSQL site keeps in the database too (docs/STORAGE.md). The
// journal is opened read-only and never changed; its copy is made in batches (one transaction
// each), then verified by replay: both journals are opened with a SiteEngine, and their last
// seqs and encoded states must be equal. The accounts are copied row for row in one
// transaction, the audit log record for record (its chain verified before and after), the labor
// stream (DIR/labor.db) row for row in one transaction; the labor keys are files and stay in
// DIR/labor-keys (the operator copies them, docs/LABOR.md). The device sessions are copied
// sealed, as they are: their sign-in keys are files of that directory too. A site that already has
// records, accounts, an audit log or labor rows in the database is refused before anything is
// written.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/server/epcis_capture_store.h"
#include "entrepot/server/epcis_postgres.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_keys.h"
#include "entrepot/store/labor_storage.h"
#include "entrepot/store/postgres_audit_import.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/postgres_labor_store.h"
#include "entrepot/store/sqlite_journal.h"

namespace entrepot::cli {
namespace {

// A batch is also cut at this many payload bytes (under the journal's 64 MiB limit).
constexpr size_t kMaxBatchBytes = size_t{16} << 20;

struct CopyReport {
  uint64_t records = 0;
  std::optional<uint64_t> snapshot_seq;
};

// The source site: its engine (state, last seq and code) and a reader for the copy.
struct Source {
  std::unique_ptr<engine::SiteEngine> engine;
  std::unique_ptr<store::SqliteJournal> reader;
};

StatusOr<Source> OpenSource(const std::string& data_dir) {
  Source source;
  ENTREPOT_ASSIGN_OR_RETURN(source.engine, OpenSite(data_dir, OpenMode::kReadOnly));
  store::SqliteJournal::Options options;
  options.read_only = true;
  options.create_if_missing = false;
  ENTREPOT_ASSIGN_OR_RETURN(source.reader,
                            store::SqliteJournal::Open(JournalPath(data_dir), options));
  if (source.engine->last_seq() == 0 || source.engine->state().site_code().empty()) {
    return Error(StatusCode::kFailedPrecondition, "site_empty",
                 "the site in " + data_dir + " has no layout yet: nothing to migrate");
  }
  return source;
}

// Copies records 1..last_seq (what the source engine replayed; later records are left out)
// and the newest snapshot up to it.
StatusOr<CopyReport> Copy(const store::Journal& from, uint64_t last_seq, store::Journal& to,
                          size_t batch_records) {
  CopyReport report;
  std::vector<store::JournalRecord> batch;
  size_t batch_bytes = 0;
  auto flush = [&]() -> Status {
    ENTREPOT_RETURN_IF_ERROR(to.Append(batch));
    report.records += batch.size();
    batch.clear();
    batch_bytes = 0;
    return OkStatus();
  };
  Status scanned = from.Scan(0, [&](const store::JournalRecord& record) -> Status {
    if (record.seq > last_seq) {
      return Error(StatusCode::kAborted, "copy_done", "past the replayed records");
    }
    batch.push_back(record);
    batch_bytes += record.payload.size() + record.idempotency_key.size();
    if (batch.size() >= batch_records || batch_bytes >= kMaxBatchBytes) {
      return flush();
    }
    return OkStatus();
  });
  if (!scanned.ok() && scanned.reason() != "copy_done") {
    return scanned;
  }
  if (!batch.empty()) {
    ENTREPOT_RETURN_IF_ERROR(flush());
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<store::Snapshot> snapshot, from.LatestSnapshot());
  if (snapshot && snapshot->seq <= last_seq) {
    ENTREPOT_RETURN_IF_ERROR(to.WriteSnapshot(*snapshot));
    report.snapshot_seq = snapshot->seq;
  }
  return report;
}

// Opens the copy read-only and replays it; it must give the source's state.
Status Verify(const std::string& store_url, const engine::SiteEngine& source) {
  const std::string& site = source.state().site_code();
  store::PostgresJournal::Options options;
  options.read_only = true;
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::PostgresJournal> journal,
                            store::PostgresJournal::Open(store_url, site, options));
  ENTREPOT_RETURN_IF_ERROR(journal->CheckIntegrity());
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<engine::SiteEngine> copy,
                            engine::SiteEngine::Open(std::move(journal)));
  if (copy->last_seq() != source.last_seq() || copy->state().Encode() != source.state().Encode()) {
    return Error(StatusCode::kDataLoss, "migration_mismatch",
                 "the copy of site " + site +
                     " in PostgreSQL does not replay to the state of "
                     "the source (last seq " +
                     std::to_string(copy->last_seq()) + " against " +
                     std::to_string(source.last_seq()) +
                     "); remove it before trying again: DELETE FROM entrepot_journal WHERE site "
                     "= '" +
                     site + "'; DELETE FROM entrepot_snapshots WHERE site = '" + site + "';");
  }
  return OkStatus();
}

std::string AuditKeyPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / store::AuditLog::kKeyFileName).string();
}

// Refuses a site whose audit log is already in the database, before anything is copied (its
// accounts are checked by their copy, in one transaction, which comes first).
Status CheckNoAuditLogThere(const std::string& store_url, const std::string& site,
                            const std::string& data_dir) {
  StatusOr<std::unique_ptr<store::AuditLog>> there =
      store::OpenPostgresAuditLog(store_url, site, AuditKeyPath(data_dir), {.read_only = true});
  if (there.ok()) {
    return Error(StatusCode::kFailedPrecondition, "audit_log_not_empty",
                 "site " + site + " already has an audit log in " + (*there)->path() +
                     ": refusing to mix two chains");
  }
  return there.status().reason() == "audit_log_not_found" ? OkStatus() : there.status();
}

// Copies DIR/accounts.db into the site's accounts in the database; a line for the report
// ("" when DIR has no accounts.db).
StatusOr<std::string> CopyAccounts(const std::string& data_dir, const std::string& store_url,
                                   const std::string& site) {
  auth::AccountStoreOptions options;
  options.now_ms = SystemNowMs;
  options.create_if_missing = false;
  std::error_code error;
  if (!std::filesystem::exists(AccountsPath(data_dir), error)) {
    return std::string();
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<auth::AccountStore> from,
                            auth::AccountStore::Open(AccountsPath(data_dir), options));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<auth::AccountStore> to,
                            auth::OpenPostgresAccountStore(store_url, site, options));
  ENTREPOT_ASSIGN_OR_RETURN(auth::AccountCopyReport copied, from->CopyInto(*to));
  return "accounts: " + std::to_string(copied.users) + " users, " + std::to_string(copied.devices) +
         " devices, " + std::to_string(copied.sessions) + " sessions, " +
         std::to_string(copied.device_sessions) + " device sessions, " +
         std::to_string(copied.notice_acks) + " notice acknowledgements copied from " +
         AccountsPath(data_dir) + "\n";
}

// Copies DIR/audit.db into the site's audit log in the database; a line for the report ("" when
// DIR has no audit.db).
StatusOr<std::string> CopyAuditLog(const std::string& data_dir, const std::string& store_url,
                                   const std::string& site) {
  StatusOr<store::AuditImportReport> copied =
      store::CopyAuditLogToPostgres(data_dir, store_url, site);
  if (!copied.ok()) {
    return copied.status().reason() == "audit_log_not_found"
               ? std::string()
               : StatusOr<std::string>(copied.status());
  }
  return "audit log: " + std::to_string(copied->records) + " records (to seq " +
         std::to_string(copied->head_seq) + ", pruned up to seq " +
         std::to_string(copied->anchor_seq) + ") copied from " + data_dir +
         "/audit.db and verified there; its key stays in " + AuditKeyPath(data_dir) +
         ": copy it to every node of the site\n";
}

// Refuses a site whose labor rows are already in the database, before anything is copied.
Status CheckNoLaborThere(const std::string& store_url, const std::string& site) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::LaborStorage> there,
                            store::OpenPostgresLaborStorage(store_url, site));
  ENTREPOT_ASSIGN_OR_RETURN(bool empty, there->IsEmpty());
  return empty ? OkStatus() : store::LaborNotEmpty(there->location());
}

// Copies DIR/labor.db into the site's labor tables in the database, in one transaction that
// refuses a site holding labor rows; a line for the report ("" when DIR has no labor.db). The
// key directory is opened because a labor.db of schemas 1 to 3 moves its keys there first.
StatusOr<std::string> CopyLabor(const std::string& data_dir, const std::string& store_url,
                                const std::string& site) {
  const std::filesystem::path dir(data_dir);
  std::error_code error;
  if (!std::filesystem::exists(dir / store::kLaborFileName, error)) {
    return std::string();
  }
  const std::filesystem::path key_dir = dir / store::kLaborKeyDirName;
  ENTREPOT_ASSIGN_OR_RETURN(store::LaborKeyDir keys, store::LaborKeyDir::Open(key_dir));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::LaborStorage> from,
                            store::OpenSqliteLaborStorage(dir, keys, 5000));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::LaborStorage> to,
                            store::OpenPostgresLaborStorage(store_url, site));
  ENTREPOT_ASSIGN_OR_RETURN(store::LaborCopyReport copied, store::CopyLaborRows(*from, *to));
  return "labor stream: " + std::to_string(copied.sessions) + " sessions, " +
         std::to_string(copied.scans) + " scans, " + std::to_string(copied.weekly_rows) +
         " weekly rows copied from " + from->location() + "; its keys stay files in " +
         key_dir.string() +
         " (with the sign-in keys of the device sessions): give every node of the site that "
         "directory (shared storage) or a copy, as --labor-keys\n";
}

// The EPCIS events partners captured into DIR/epcis.db, with their capture jobs (the site's own
// events are derived from the journal again by each node). "" without an epcis.db.
StatusOr<std::string> CopyEpcis(const std::string& data_dir, const std::string& store_url,
                                const std::string& site) {
  const std::filesystem::path path = std::filesystem::path(data_dir) / "epcis.db";
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return std::string();
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<server::SharedEpcisCaptureStore> to,
                            server::OpenPostgresEpcisCaptures(store_url, site));
  ENTREPOT_ASSIGN_OR_RETURN(server::EpcisCaptureCopyReport copied,
                            server::CopyEpcisCaptures(path.string(), *to));
  return "EPCIS captures: " + std::to_string(copied.events) + " captured events and " +
         std::to_string(copied.jobs) + " capture jobs copied from " + path.string() + "\n";
}

}  // namespace

int RunMigrate(const MigrateOptions& options) {
  if (!store::PostgresJournal::IsStoreUrl(options.to_store)) {
    return ReportError(
        Error(StatusCode::kInvalidArgument, "bad_store_url", "--to must be a postgresql:// URL"),
        1);
  }
  StatusOr<Source> source = OpenSource(options.from_dir);
  if (!source.ok()) {
    return ReportError(source.status(), source.status().reason() == "site_empty" ? 1 : 2);
  }
  const engine::SiteEngine& engine = *source->engine;
  const std::string& site = engine.state().site_code();
  StatusOr<std::unique_ptr<store::PostgresJournal>> target =
      store::PostgresJournal::Open(options.to_store, site);
  if (!target.ok()) {
    return ReportError(target.status(), target.status().reason() == "bad_store_url" ? 1 : 2);
  }
  if ((*target)->LastSeq() != 0) {
    return ReportError(
        Error(StatusCode::kFailedPrecondition, "target_not_empty",
              (*target)->Description() + " already holds " + std::to_string((*target)->LastSeq()) +
                  " records: refusing to mix two journals"),
        1);
  }
  if (Status absent = CheckNoAuditLogThere(options.to_store, site, options.from_dir);
      !absent.ok()) {
    return ReportError(absent, absent.code() == StatusCode::kFailedPrecondition ? 1 : 2);
  }
  if (Status absent = CheckNoLaborThere(options.to_store, site); !absent.ok()) {
    return ReportError(absent, absent.code() == StatusCode::kFailedPrecondition ? 1 : 2);
  }
  StatusOr<std::string> accounts = CopyAccounts(options.from_dir, options.to_store, site);
  if (!accounts.ok()) {
    return ReportError(accounts.status(),
                       accounts.status().reason() == "accounts_not_empty" ? 1 : 2);
  }
  StatusOr<std::string> audit = CopyAuditLog(options.from_dir, options.to_store, site);
  if (!audit.ok()) {
    return ReportError(audit.status(), audit.status().reason() == "audit_log_not_empty" ? 1 : 2);
  }
  StatusOr<std::string> labor = CopyLabor(options.from_dir, options.to_store, site);
  if (!labor.ok()) {
    return ReportError(labor.status(), labor.status().reason() == "labor_not_empty" ? 1 : 2);
  }
  StatusOr<std::string> epcis = CopyEpcis(options.from_dir, options.to_store, site);
  if (!epcis.ok()) {
    return ReportError(epcis.status(), epcis.status().reason() == "epcis_not_empty" ? 1 : 2);
  }
  StatusOr<CopyReport> copied =
      Copy(*source->reader, engine.last_seq(), **target, options.batch_records);
  if (!copied.ok()) {
    return ReportError(copied.status());
  }
  const std::string where = (*target)->Description();
  target->reset();
  if (Status verified = Verify(options.to_store, engine); !verified.ok()) {
    return ReportError(verified);
  }
  std::cout << "migrated site " << site << " from " << JournalPath(options.from_dir) << " to "
            << where << ": " << copied->records << " records (seqs 1 to " << engine.last_seq()
            << "), "
            << (copied->snapshot_seq ? "snapshot at seq " + std::to_string(*copied->snapshot_seq)
                                     : std::string("no snapshot"))
            << "\nverified by replay: same last seq and same state ("
            << engine.state().Encode().size() << " bytes encoded)\n"
            << *accounts << *audit << *labor << *epcis << options.from_dir
            << "/journal.db (and accounts.db, audit.db, labor.db) are left as they were, no "
               "longer used; "
            << options.from_dir
            << " keeps the site's other files (audit.key, labor-keys/, epcis.db). Serve "
               "the site with:\n"
            << "  entrepot serve --data " << options.from_dir << " --store '<the URL>' --site "
            << site << " [--labor-keys <the shared key directory>]\n";
  return 0;
}

}  // namespace entrepot::cli
