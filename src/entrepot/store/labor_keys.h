// File: labor_keys.h
//
// LaborKeyDir: the day and week keys of the labor stream, one small file per key in a
// directory of their own (by default DIR/labor-keys/, beside DIR/labor.db: docs/LABOR.md).
// The keys live apart from the data they pseudonymise so that labor.db alone, or a backup or
// copy of it, links nobody (AGG-04: the key held outside the analytics domain), and so that
// an operator can keep the key directory off backups: destroying a key file then makes its
// day (RET-01) or week (RET-02) unlinkable everywhere, backups of labor.db included.
//
// A key file is "<name>.key" holding the key's 32 raw bytes, mode 0600, in a directory of
// mode 0700. Writes are atomic and durable: a temporary file is written and fsynced, renamed
// over the name, and the directory is fsynced, so a crash leaves either no key or the whole
// key, never a torn one. Destruction overwrites the file with zeros, fsyncs it, unlinks it
// and fsyncs the directory. (Overwriting in place erases the bytes on a simple file system;
// a journaling or copy-on-write file system or an SSD may keep old blocks: encrypt the
// volume.) Temporary files left by a crash are destroyed the same way at Open.
//
// Names are [a-z0-9-] only ("day-2026-05-04", "week-2026-05-04"). Not thread-safe: the
// LaborStore serialises its calls.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/labor_pseudonym.h"

namespace entrepot::store {

class LaborKeyDir {
 public:
  // Opens `dir`, creating it (mode 0700, not its parent) when missing, and destroys the
  // temporary files a crash left in it. Errors: kUnavailable "labor_unavailable" (the
  // directory cannot be created or read).
  static StatusOr<LaborKeyDir> Open(const std::filesystem::path& dir);

  // The key `name`, or nullopt when it has no file. Errors: kInvalidArgument
  // "bad_key_name"; kDataLoss "labor_corrupt" (a file of the wrong size); kUnavailable
  // "labor_unavailable" (cannot read).
  StatusOr<std::optional<privacy::SecretKey>> Load(std::string_view name) const;
  // Writes `key` as `name`, atomically and durably (see above); replaces an existing file.
  // Errors: "bad_key_name"; "labor_unavailable".
  Status Write(std::string_view name, const privacy::SecretKey& key) const;
  // Overwrites, fsyncs, unlinks the key file `name` and fsyncs the directory; OK when there
  // is none. Errors: "bad_key_name"; "labor_unavailable".
  Status Destroy(std::string_view name) const;
  // The names of the keys held, sorted.
  StatusOr<std::vector<std::string>> Names() const;

  const std::filesystem::path& path() const { return dir_; }

 private:
  explicit LaborKeyDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace entrepot::store
