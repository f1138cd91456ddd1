// File: fault_injection_vfs.h
//
// Test-only: an SQLite VFS that wraps the default one and fails chosen operations on
// request, so tests can reach the error paths of SqliteJournal that a healthy disk never
// takes (a WAL sync failing inside COMMIT). Pass kFaultInjectionVfsName as
// SqliteJournalOptions::vfs_name. The fault counters are process-wide; tests using them must
// not run in parallel within one process (GoogleTest runs tests sequentially).
#pragma once

namespace entrepot::store::testing {

inline constexpr const char* kFaultInjectionVfsName = "entrepot_fault_injection";

// Registers the VFS (not as the default). Idempotent.
void RegisterFaultInjectionVfs();

// The next `count` syncs of a WAL file fail with SQLITE_IOERR_FSYNC.
void FailWalSyncs(int count);

// The next `count` writes to any file fail with SQLITE_IOERR_WRITE.
void FailWrites(int count);

// How many writes reached WAL files through this VFS since the last ClearFaults(): what a VFS
// stacked over this one passes down (wal_write_buffer_test).
int WalWrites();

// Disarms every fault and resets FaultsFired() and WalWrites().
void ClearFaults();

// How many armed faults have fired since the last ClearFaults().
int FaultsFired();

}  // namespace entrepot::store::testing
