// File: wal_write_buffer.h
//
// A SQLite VFS that gathers the writes SQLite makes to a WAL file into one buffer and writes
// them out in one call when SQLite syncs, reads, truncates, sizes or closes that file, when a
// write does not continue or overwrite the buffered range, or when the buffer is full.
//
// Why: SQLite writes each WAL frame as two calls, its 24-byte header and then its page, so a
// group commit of 4,096 scans made about 550 pwrite calls; on these machines each costs a few
// microseconds of kernel entry and page-cache locking, together about a tenth of a journaled
// scan's cost. The bytes and the one fdatasync per commit are unchanged.
//
// Contract: what SQLite can observe is what it would see without the buffer. Every read of
// the file, its size, a truncation and a sync first write the buffer out, so SQLite reads back
// what it wrote, and a commit (which SQLite acknowledges only after its sync) is on disk when
// acknowledged. Other connections read WAL frames only once a commit made them visible, that
// is after the writer's sync. A failed write of the buffer is returned by the call that
// caused it (a sync, typically), which fails that transaction as a failed write would have.
// Files other than WAL files pass straight through to the base VFS.
#pragma once

#include <string>

namespace entrepot::store {

// Registers, once per base VFS, a write-buffering VFS over `base_vfs` (empty: SQLite's
// default VFS) and returns its name, for sqlite3_open_v2; nullptr when no VFS of that name is
// registered. Thread-safe.
const char* WalWriteBufferVfs(const std::string& base_vfs);

}  // namespace entrepot::store
