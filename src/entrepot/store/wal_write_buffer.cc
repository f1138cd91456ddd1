#include "entrepot/store/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "entrepot/base/check.h"
#include "entrepot/store/vfs_shim.h"

namespace entrepot::store {
namespace {

// Past this many buffered bytes the buffer is written out: a group commit of a few thousand
// scans fits, and the buffer stays small beside the page cache.
constexpr size_t kBufferCapacity = 2 << 20;
constexpr size_t kWritePiece = 64 << 10;

const sqlite3_io_methods kPassThrough = vfs_shim::PassThroughMethods();

// Our file object: the shim's head, then the buffer; the base VFS's file object follows in
// memory. Built with placement new in Open and destroyed in Close (SQLite allocates szOsFile
// bytes and knows nothing of C++).
struct BufferedFile {
  vfs_shim::ShimFile shim{};
  std::vector<char> buffer;  // Bytes for [start, start + buffer.size()) of the file.
  sqlite3_int64 start = 0;
};

BufferedFile* AsBuffered(sqlite3_file* file) { return reinterpret_cast<BufferedFile*>(file); }
sqlite3_file* Real(BufferedFile* file) { return file->shim.real; }

// Writes the buffered bytes out, in pieces: SQLite's unix VFS writes at most 128 KiB - 1
// bytes per call (it masks the length), and reports a larger write as a full disk. The buffer
// is emptied even when a write fails: SQLite rolls the transaction back on the error, and
// frames past its last commit are never read.
int Flush(BufferedFile* file) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < file->buffer.size() && rc == SQLITE_OK; done += kWritePiece) {
    const size_t piece = std::min(kWritePiece, file->buffer.size() - done);
    rc = Real(file)->pMethods->xWrite(Real(file), file->buffer.data() + done,
                                      static_cast<int>(piece),
                                      file->start + static_cast<sqlite3_int64>(done));
  }
  file->buffer.clear();
  return rc;
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  BufferedFile* file = AsBuffered(f);
  if (!file->shim.is_wal) {
    return Real(file)->pMethods->xWrite(Real(file), data, amount, offset);
  }
  const auto size = static_cast<size_t>(amount);
  const auto* bytes = static_cast<const char*>(data);
  if (!file->buffer.empty()) {
    const sqlite3_int64 end = file->start + static_cast<sqlite3_int64>(file->buffer.size());
    if (offset >= file->start && offset + amount <= end) {
      // A frame rewritten before the commit: replace its bytes in place.
      std::memcpy(file->buffer.data() + (offset - file->start), bytes, size);
      return SQLITE_OK;
    }
    if (offset == end && file->buffer.size() + size <= kBufferCapacity) {
      file->buffer.insert(file->buffer.end(), bytes, bytes + size);
      return SQLITE_OK;
    }
    if (const int rc = Flush(file); rc != SQLITE_OK) {
      return rc;
    }
  }
  if (size >= kBufferCapacity) {
    return Real(file)->pMethods->xWrite(Real(file), data, amount, offset);
  }
  file->buffer.reserve(kBufferCapacity);
  file->buffer.assign(bytes, bytes + size);
  file->start = offset;
  return SQLITE_OK;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  BufferedFile* file = AsBuffered(f);
  if (const int rc = Flush(file); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xRead(Real(file), out, amount, offset);
}

int Sync(sqlite3_file* f, int flags) {
  BufferedFile* file = AsBuffered(f);
  if (const int rc = Flush(file); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xSync(Real(file), flags);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  BufferedFile* file = AsBuffered(f);
  if (const int rc = Flush(file); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  BufferedFile* file = AsBuffered(f);
  if (const int rc = Flush(file); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xFileSize(Real(file), size);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  // Some controls act on the file's bytes or size (size hints, chunk sizes): they see it whole.
  BufferedFile* file = AsBuffered(f);
  if (const int rc = Flush(file); rc != SQLITE_OK) {
    return rc;
  }
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}

int Close(sqlite3_file* f) {
  BufferedFile* file = AsBuffered(f);
  const int flushed = Flush(file);
  const int closed = Real(file)->pMethods->xClose(Real(file));
  file->~BufferedFile();
  return flushed != SQLITE_OK ? flushed : closed;
}

// A WAL file is never memory-mapped by SQLite; refusing keeps a mapped read from missing
// buffered bytes all the same. The database file's mapped reads pass through.
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  if (AsBuffered(f)->shim.is_wal) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return kPassThrough.xFetch(f, offset, amount, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  if (AsBuffered(f)->shim.is_wal) {
    return SQLITE_OK;
  }
  return kPassThrough.xUnfetch(f, offset, page);
}

const sqlite3_io_methods kMethods = [] {
  sqlite3_io_methods methods = vfs_shim::PassThroughMethods();
  methods.xClose = Close;
  methods.xRead = Read;
  methods.xWrite = Write;
  methods.xTruncate = Truncate;
  methods.xSync = Sync;
  methods.xFileSize = FileSize;
  methods.xFileControl = FileControl;
  methods.xFetch = Fetch;
  methods.xUnfetch = Unfetch;
  return methods;
}();

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = new (f) BufferedFile;
  file->shim.real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->shim.is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = vfs_shim::OpenBase(vfs, name, &file->shim, flags, out_flags, &kMethods);
  if (file->shim.base.pMethods == nullptr) {
    file->~BufferedFile();  // SQLite calls no method of a file without methods.
  }
  return rc;
}

// A registered VFS and its name; registered VFSs live as long as the process.
struct Registered {
  std::string name;
  sqlite3_vfs vfs{};
};

}  // namespace

const char* WalWriteBufferVfs(const std::string& base_vfs) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Registered>> registered;
  std::lock_guard lock(mutex);
  std::unique_ptr<Registered>& entry = registered[base_vfs];
  if (entry == nullptr) {
    sqlite3_vfs* base = sqlite3_vfs_find(base_vfs.empty() ? nullptr : base_vfs.c_str());
    if (base == nullptr) {
      registered.erase(base_vfs);
      return nullptr;
    }
    entry = std::make_unique<Registered>();
    entry->name = "entrepot-wal-buffer" + (base_vfs.empty() ? "" : "-over-" + base_vfs);
    entry->vfs = vfs_shim::MakeVfs(base, entry->name.c_str(), sizeof(BufferedFile), Open);
    ENTREPOT_CHECK(sqlite3_vfs_register(&entry->vfs, /*makeDflt=*/0) == SQLITE_OK);
  }
  return entry->name.c_str();
}

}  // namespace entrepot::store
