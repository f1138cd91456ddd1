// File: vfs_shim.h
//
// The plumbing shared by SQLite VFSs that wrap another VFS (wal_write_buffer.h, and the
// tests' fault_injection_vfs.h). A shim's file object starts with a ShimFile and is followed in
// memory by the base VFS's file object; its io methods start as pass-throughs to that object
// and the shim replaces those it changes; its VFS passes every call but xOpen to the base.
#pragma once

#include <sqlite3.h>

#include <cstddef>

namespace entrepot::store::vfs_shim {

// The head of a shim's file object.
struct ShimFile {
  sqlite3_file base;    // What SQLite sees; pMethods are the shim's.
  sqlite3_file* real;   // The base VFS's file object, just past the shim's own object.
  bool is_wal = false;  // Opened with SQLITE_OPEN_WAL.
};

inline sqlite3_file* Real(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file)->real; }

// io methods (version 3) that all pass through to Real(file).
sqlite3_io_methods PassThroughMethods();

// A VFS named `name` over `base` whose file objects are `shim_file_bytes` followed by the base
// VFS's, opened by `open`; its other methods pass through to `base`. `name` must outlive the
// VFS. REQUIRES: base->iVersion >= 2.
sqlite3_vfs MakeVfs(sqlite3_vfs* base, const char* name, size_t shim_file_bytes,
                    int (*open)(sqlite3_vfs*, sqlite3_filename, sqlite3_file*, int, int*));

// The base VFS of a VFS made by MakeVfs.
inline sqlite3_vfs* BaseVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// Opens the base VFS's file at `file->real` (set by the caller, with is_wal) and gives `file`
// the shim's `methods` once the base file has methods: SQLite then closes it through the shim
// even when its open failed. Returns the base open's result code.
int OpenBase(sqlite3_vfs* vfs, sqlite3_filename name, ShimFile* file, int flags, int* out_flags,
             const sqlite3_io_methods* methods);

}  // namespace entrepot::store::vfs_shim
