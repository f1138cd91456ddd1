#include "entrepot/store/fault_injection_vfs.h"

#include <sqlite3.h>

#include <atomic>

#include "entrepot/base/check.h"
#include "entrepot/store/vfs_shim.h"

namespace entrepot::store::testing {
namespace {

std::atomic<int> wal_syncs_to_fail{0};
std::atomic<int> writes_to_fail{0};
std::atomic<int> faults_fired{0};
std::atomic<int> wal_writes{0};

// Consumes one armed fault from `counter`; true when the operation must fail.
bool TakeFault(std::atomic<int>& counter) {
  int armed = counter.load();
  while (armed > 0) {
    if (counter.compare_exchange_weak(armed, armed - 1)) {
      ++faults_fired;
      return true;
    }
  }
  return false;
}

using vfs_shim::Real;
using vfs_shim::ShimFile;

bool IsWal(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file)->is_wal; }

int Write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (TakeFault(writes_to_fail)) {
    return SQLITE_IOERR_WRITE;
  }
  if (IsWal(f)) {
    ++wal_writes;
  }
  return Real(f)->pMethods->xWrite(Real(f), buffer, amount, offset);
}
int Sync(sqlite3_file* f, int flags) {
  if (IsWal(f) && TakeFault(wal_syncs_to_fail)) {
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
// No memory-mapped I/O through this VFS: every read goes through Read().
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = [] {
  sqlite3_io_methods methods = vfs_shim::PassThroughMethods();
  methods.xWrite = Write;
  methods.xSync = Sync;
  methods.xFetch = Fetch;
  methods.xUnfetch = Unfetch;
  return methods;
}();

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(file);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  shim->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  return vfs_shim::OpenBase(vfs, name, shim, flags, out_flags, &kMethods);
}

}  // namespace

void RegisterFaultInjectionVfs() {
  static const bool registered = [] {
    static sqlite3_vfs vfs = vfs_shim::MakeVfs(sqlite3_vfs_find(nullptr), kFaultInjectionVfsName,
                                               sizeof(ShimFile), Open);
    ENTREPOT_CHECK(sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK);
    return true;
  }();
  (void)registered;
}

void FailWalSyncs(int count) { wal_syncs_to_fail = count; }
void FailWrites(int count) { writes_to_fail = count; }

void ClearFaults() {
  wal_syncs_to_fail = 0;
  writes_to_fail = 0;
  faults_fired = 0;
  wal_writes = 0;
}

int FaultsFired() { return faults_fired.load(); }
int WalWrites() { return wal_writes.load(); }

}  // namespace entrepot::store::testing
