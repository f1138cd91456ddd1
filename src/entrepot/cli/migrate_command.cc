// `entrepot migrate --from DIR --to postgresql://...`: moves a site's journal from SQLite to
// PostgreSQL. The source is opened read-only and never changed; the copy is made in batches
// (one transaction each), then verified by replay: both journals are opened with a
// SiteEngine, and their last seqs and encoded states must be equal.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/postgres_journal.h"
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
            << options.from_dir << "/journal.db is unchanged; " << options.from_dir
            << " keeps the site's other files. Serve the site with:\n"
            << "  entrepot serve --data " << options.from_dir << " --store '<the URL>' --site "
            << site << "\n";
  return 0;
}

}  // namespace entrepot::cli
