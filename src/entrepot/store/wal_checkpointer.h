// File: wal_checkpointer.h
//
// WalCheckpointer: checkpoints an SQLite database in WAL mode from a thread and a connection
// of its own, so that the connection that commits never does.
//
// Why: SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past its
// threshold, on the committing thread. For the journal that is the thread every scan reply
// waits for, and a checkpoint copies about a thousand pages into the database file, one read
// and one write each: tens of milliseconds during which no batch commits, every half second
// under a steady load of small commits. Here the writer's connection gets a WAL hook instead
// (which turns its automatic checkpoints off) that only wakes this thread each time the WAL
// has grown by `wal_pages` pages; the thread then runs a PASSIVE checkpoint, which copies
// what no reader still needs while the writer goes on appending. Durability is unchanged: a
// commit is durable when its WAL frames are synced; a checkpoint syncs the database file
// before SQLite reuses the WAL.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "entrepot/base/status.h"

struct sqlite3;

namespace entrepot::store {

struct WalCheckpointerStats {
  uint64_t checkpoints = 0;  // PASSIVE checkpoints that ran to the end.
  uint64_t failures = 0;     // Checkpoints that returned an error (retried on the next wake).
};

class WalCheckpointer {
 public:
  // SQLite's own default threshold for its automatic checkpoint.
  static constexpr int kDefaultWalPages = 1000;

  // Opens a connection of its own to the database at `path` (through the VFS named `vfs`,
  // null for the default) and starts the thread, then hooks `writer`, which must be a
  // read-write connection to the same database in WAL mode and outlive the checkpointer.
  // Fails with kUnavailable "journal_unavailable" when the connection cannot be opened.
  static StatusOr<std::unique_ptr<WalCheckpointer>> Start(sqlite3* writer, const std::string& path,
                                                          const char* vfs,
                                                          int wal_pages = kDefaultWalPages);

  // Removes the hook (the writer then checkpoints by itself again, as SQLite does by
  // default), stops the thread after the checkpoint it is running, and closes its connection.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  WalCheckpointerStats stats() const;

 private:
  WalCheckpointer(sqlite3* writer, sqlite3* own, int wal_pages);

  // The WAL hook: runs on the writer's thread after each commit; never blocks for long.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void Run();

  sqlite3* const writer_;
  sqlite3* const own_;  // Used by the thread only, closed by the destructor.
  const int wal_pages_;
  int pages_at_request_ = 0;  // The WAL's length at the last request; the hook's alone.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;      // Guarded by mutex_.
  bool stopping_ = false;       // Guarded by mutex_.
  WalCheckpointerStats stats_;  // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace entrepot::store
