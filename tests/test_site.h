// File: test_site.h
//
// Helpers for tests that run the `entrepot` binary: a temporary directory, a small layout
// file, a deterministic stream of scan records, and running a command.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace entrepot::store {
class Journal;  // store/journal.h
}  // namespace entrepot::store

namespace entrepot::testing {

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A layout with dock DOCK-01, 40 bins in zone A, pack station, door, 4 products, 20 totes.
std::string SmallLayoutToml();

// `scans` NDJSON scan records from 3 devices receiving, stowing, picking, packing and
// shipping, with ids "s-<n>" and increasing times. Deterministic for a seed.
std::vector<std::string> ScanStream(int scans, uint64_t seed);

// Idempotency key -> number of records carrying it, in DIR/journal.db (opened read-only).
std::map<std::string, int> JournalKeys(const std::string& data_dir);
// The same for any journal (a PostgreSQL site's).
std::map<std::string, int> JournalKeys(const store::Journal& journal);

void WriteFile(const std::string& path, const std::string& text);
std::string ReadFileText(const std::string& path);

// `text` split at newlines (no empty last line for a final newline).
std::vector<std::string> Lines(const std::string& text);

struct CommandResult {
  int exit_status = -1;
  std::string out;  // stdout, and stderr unless left out.
};
// Runs ENTREPOT_BINARY with `args`, waits, returns its exit status and output (stdout and
// stderr together, or stdout alone when `with_stderr` is false).
CommandResult RunEntrepot(const std::vector<std::string>& args, bool with_stderr = true);

}  // namespace entrepot::testing
