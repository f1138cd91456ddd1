// EpcisRepository's journal follower: the site's own events, derived from the journal by
// epcis::EpcisMapper (see epcis_repository.h). It polls instead of listening to commits: it
// is a follower of the truth on disk, never on the sequencer's path, and after any error it
// starts again from what the journal and its watermark say.
#include <pthread.h>

#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/codec.h"
#include "entrepot/epcis/event_mapping.h"
#include "entrepot/server/epcis_db.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/thread_priority.h"
#include "entrepot/store/crc32c.h"
#include "entrepot/store/sqlite_journal.h"

namespace entrepot::server {
namespace {

using nlohmann::json;

constexpr std::string_view kWatermarkSeq = "watermark_seq";
constexpr std::string_view kWatermarkCrc = "watermark_crc";
constexpr std::string_view kIdsDigest = "ids_digest";

Status Stopped() {
  return Error(StatusCode::kAborted, "stopping", "the EPCIS repository is stopping");
}

// A digest of the identifier options: the site's events are written with them, so events
// written with other options are derived again.
int64_t IdsDigest(const epcis::IdOptions& ids) {
  const std::string text = std::string(epcis::IdFormName(ids.form)) + "|" +
                           std::to_string(ids.company_prefix_length) + "|" + ids.site_gln + "|" +
                           ids.site_code;
  return static_cast<int64_t>(store::Crc32c(text)) + 1;  // Never 0, the value of "absent".
}

// One journal entry's events, ready to store.
struct MappedEntry {
  uint64_t seq = 0;
  std::vector<internal::NewEvent> events;
};

// The mapper's events of one entry as rows to store; the mapper's error, or one of an event
// the repository cannot index (which would be a mapper bug).
Status ToNewEvents(StatusOr<std::vector<json>> events, std::vector<internal::NewEvent>& out) {
  if (!events.ok()) {
    return events.status();
  }
  for (json& event : *events) {
    ENTREPOT_ASSIGN_OR_RETURN(EventFacts facts, DescribeEvent(event));
    if (!event.value("eventID", json()).is_string()) {
      return InternalError("a mapped event has no eventID");
    }
    out.push_back(internal::NewEvent{event["eventID"], std::move(facts), event.dump(), "{}"});
  }
  return OkStatus();
}

}  // namespace

bool EpcisRepository::FollowsJournal(const EpcisRepositoryOptions& options) {
  return options.open_journal != nullptr || !options.journal_path.empty();
}

StatusOr<std::unique_ptr<store::Journal>> EpcisRepository::OpenJournal(
    const EpcisRepositoryOptions& options) {
  return options.open_journal ? options.open_journal()
                              : store::SqliteJournal::OpenReader(options.journal_path);
}

void EpcisRepository::Run() {
  pthread_setname_np(pthread_self(), "epcis-follower");  // For top -H, perf and gdb.
  LowerThreadPriority(options_.thread_nice);
  while (true) {
    Status status = Poll();
    std::chrono::milliseconds wait = options_.poll_interval;
    if (!status.ok()) {
      if (status.reason() == "stopping") {
        return;
      }
      RecordError(status);
      // Start again from the journal's truth: a fresh connection, a fresh mapper.
      journal_.reset();
      mapper_.reset();
      wait = options_.retry_delay;
    }
    std::unique_lock lock(mutex_);
    // A waiter asking for a poll does not shorten the delay after a failed one.
    if (wake_.wait_for(lock, wait, [&] { return stopping_ || (poll_now_ && status.ok()); }) &&
        stopping_) {
      return;
    }
    poll_now_ = false;
  }
}

Status EpcisRepository::Poll() {
  if (journal_ == nullptr) {
    ENTREPOT_ASSIGN_OR_RETURN(journal_, OpenJournal(options_));
  }
  if (mapper_ == nullptr || journal_->LastSeq() < followed_seq()) {
    ENTREPOT_RETURN_IF_ERROR(StartFollowing());
  }
  bool at_end = false;
  while (!at_end) {
    ENTREPOT_RETURN_IF_ERROR(MapBatch(&at_end));
  }
  return OkStatus();
}

Status EpcisRepository::StartFollowing() {
  mapper_.reset();
  uint64_t watermark = 0;
  {
    std::lock_guard lock(writer_mutex_);
    ENTREPOT_ASSIGN_OR_RETURN(int64_t seq, writer_->GetMeta(kWatermarkSeq));
    ENTREPOT_ASSIGN_OR_RETURN(int64_t crc, writer_->GetMeta(kWatermarkCrc));
    ENTREPOT_ASSIGN_OR_RETURN(int64_t digest, writer_->GetMeta(kIdsDigest));
    watermark = static_cast<uint64_t>(seq);
    bool same_journal = watermark == 0;
    if (watermark > 0 && journal_->LastSeq() >= watermark) {
      ENTREPOT_ASSIGN_OR_RETURN(store::JournalRecord record, journal_->Read(watermark));
      same_journal = static_cast<int64_t>(store::Crc32c(record.payload)) == crc;
    }
    const int64_t ids_digest = IdsDigest(options_.ids);
    if (!same_journal || digest != ids_digest) {
      // Another journal, or other identifiers: derive the site's events again.
      ENTREPOT_RETURN_IF_ERROR(writer_->Begin());
      Status status = writer_->ClearSiteEvents();
      for (auto [key, value] :
           {std::pair{kWatermarkSeq, int64_t{0}}, std::pair{kWatermarkCrc, int64_t{0}},
            std::pair{kIdsDigest, ids_digest}}) {
        status = status.ok() ? writer_->SetMeta(key, value) : status;
      }
      status = status.ok() ? writer_->Commit() : status;
      if (!status.ok()) {
        writer_->Rollback();
        return status;
      }
      watermark = 0;
      std::lock_guard stats_lock(mutex_);
      stats_.rebuilds += digest != 0 ? 1 : 0;  // A first start is no rebuild.
    }
  }
  {
    std::lock_guard lock(mutex_);  // Orders the store before a waiter's check.
    followed_seq_.store(watermark, std::memory_order_release);
  }
  followed_.notify_all();
  // The mapper learns where containers are from every entry up to the watermark.
  auto mapper = std::make_unique<epcis::EpcisMapper>(options_.ids);
  Status replay = journal_->Scan(0, [&](const store::JournalRecord& record) -> Status {
    if (record.seq > watermark) {
      return Error(StatusCode::kAborted, "replay_done", "the watermark is reached");
    }
    if (Stopping()) {
      return Stopped();
    }
    ENTREPOT_ASSIGN_OR_RETURN(core::Entry entry, core::DecodeEntry(record.payload));
    (void)mapper->Map(entry);  // Its events are stored; a refusal was counted then.
    return OkStatus();
  });
  if (!replay.ok() && replay.reason() != "replay_done") {
    return replay;
  }
  mapper_ = std::move(mapper);
  return OkStatus();
}

Status EpcisRepository::MapBatch(bool* at_end) {
  std::vector<MappedEntry> mapped;
  uint64_t last_seq = 0;
  uint32_t last_crc = 0;
  size_t entries = 0;
  uint64_t unmapped = 0;
  std::string unmapped_error;
  Status scan = journal_->Scan(followed_seq(), [&](const store::JournalRecord& record) -> Status {
    if (Stopping()) {
      return Stopped();
    }
    StatusOr<core::Entry> entry = core::DecodeEntry(record.payload);
    if (!entry.ok()) {
      return entry.status().WithContext("journal seq " + std::to_string(record.seq));
    }
    MappedEntry out{record.seq, {}};
    Status refused = ToNewEvents(mapper_->Map(*entry), out.events);
    if (!refused.ok()) {
      ++unmapped;  // Skipped: an entry the mapper cannot write must not stop the others.
      unmapped_error = refused.WithContext("journal seq " + std::to_string(record.seq)).ToString();
      out.events.clear();
    }
    mapped.push_back(std::move(out));
    last_seq = record.seq;
    last_crc = store::Crc32c(record.payload);
    return ++entries < options_.batch_entries_max
               ? OkStatus()
               : Error(StatusCode::kAborted, "batch_full", "store what is mapped");
  });
  if (!scan.ok() && scan.reason() != "batch_full") {
    return scan;
  }
  *at_end = scan.ok();
  if (entries == 0) {
    return OkStatus();
  }
  {
    std::lock_guard lock(writer_mutex_);
    const int64_t now_ms = options_.now_ms();
    ENTREPOT_RETURN_IF_ERROR(writer_->Begin());
    Status status;
    for (const MappedEntry& entry : mapped) {
      for (const internal::NewEvent& event : entry.events) {
        status = status.ok() ? writer_->InsertSite(event, entry.seq, now_ms) : status;
      }
    }
    status = status.ok() ? writer_->SetMeta(kWatermarkSeq, static_cast<int64_t>(last_seq)) : status;
    status = status.ok() ? writer_->SetMeta(kWatermarkCrc, last_crc) : status;
    status = status.ok() ? writer_->Commit() : status;
    if (!status.ok()) {
      writer_->Rollback();
      return status;
    }
  }
  {
    std::lock_guard lock(mutex_);
    followed_seq_.store(last_seq, std::memory_order_release);
    stats_.unmapped_entries += unmapped;
    if (unmapped > 0) {
      stats_.last_error = unmapped_error;
    }
  }
  followed_.notify_all();
  return OkStatus();
}

bool EpcisRepository::Stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void EpcisRepository::RecordError(const Status& status) {
  std::lock_guard lock(mutex_);
  ++stats_.errors;
  stats_.last_error = status.ToString();
}

void EpcisRepository::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool EpcisRepository::WaitForSeq(uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (followed_seq() < seq && !poll_now_) {
    poll_now_ = true;
    wake_.notify_all();
  }
  return followed_.wait_for(lock, timeout, [&] { return followed_seq() >= seq; });
}

EpcisRepositoryStats EpcisRepository::stats() const {
  std::lock_guard lock(mutex_);
  EpcisRepositoryStats stats = stats_;
  stats.followed_seq = followed_seq();
  return stats;
}

}  // namespace entrepot::server
