// File: fsync_path.h
//
// FsyncPath: makes what was written to a file, or a directory's entries, durable by path:
// the step after a rename, a link or a checkpoint that SQLite does not take itself.
#pragma once

#include <string>

namespace entrepot::store {

// Opens `path` with `flags` (O_RDONLY for a file, O_RDONLY | O_DIRECTORY for a directory;
// O_CLOEXEC is added), fsyncs it and closes it. Returns 0, or the errno of the step that
// failed, for the caller's own error (each store has its own reason).
int FsyncPath(const std::string& path, int flags);

}  // namespace entrepot::store
