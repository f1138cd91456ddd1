#include "entrepot/store/wal_checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <utility>

#include "entrepot/store/sqlite_status.h"

namespace entrepot::store {

StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(sqlite3* writer,
                                                                  const std::string& path,
                                                                  const char* vfs, int wal_pages) {
  sqlite3* own = nullptr;
  // No SQLITE_OPEN_CREATE: the database exists, its writer has it open.
  const int rc =
      sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    Status status = SqliteStatus(own, rc, "open the checkpoint connection", "journal");
    sqlite3_close(own);
    return status;
  }
  // The checkpoint syncs the database file before SQLite may reuse the WAL, as the writer's
  // own checkpoint would.
  sqlite3_exec(own, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  // A private constructor: std::make_unique cannot reach it.
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(writer, own, wal_pages));
  sqlite3_wal_hook(writer, &WalCheckpointer::OnCommit, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(sqlite3* writer, sqlite3* own, int wal_pages)
    : writer_(writer), own_(own), wal_pages_(wal_pages), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_, kDefaultWalPages);  // Replaces the hook.
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(own_);
}

WalCheckpointerStats WalCheckpointer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

int WalCheckpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages < checkpointer->pages_at_request_) {
    checkpointer->pages_at_request_ = 0;  // The writer restarted the WAL from its beginning.
  }
  // Once per wal_pages new pages: a WAL that a reader keeps from restarting stays long, and
  // asking at every commit would checkpoint (and sync) over and over for nothing new.
  if (wal_pages - checkpointer->pages_at_request_ >= checkpointer->wal_pages_) {
    checkpointer->pages_at_request_ = wal_pages;
    {
      std::lock_guard lock(checkpointer->mutex_);
      checkpointer->requested_ = true;
    }
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  pthread_setname_np(pthread_self(), "wal-checkpoint");  // For top -H, perf and gdb.
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || requested_; });
    if (stopping_) {
      return;
    }
    requested_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never waits for the writer or the readers.
    // A failure (another connection checkpointing, an I/O error) leaves the WAL longer; the
    // next commit past the threshold asks again.
    const int rc =
        sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    ++(rc == SQLITE_OK ? stats_.checkpoints : stats_.failures);
  }
}

}  // namespace entrepot::store
