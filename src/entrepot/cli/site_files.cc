#include "entrepot/cli/site_files.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/sqlite_journal.h"

namespace entrepot::cli {

std::string JournalPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "journal.db").string();
}

StatusOr<std::unique_ptr<engine::SiteEngine>> OpenSite(const std::string& data_dir, OpenMode mode,
                                                       engine::EngineOptions options) {
  std::error_code error;
  if (mode == OpenMode::kCreate) {
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      return Error(StatusCode::kUnavailable, "data_dir_unusable",
                   "cannot create " + data_dir + ": " + error.message());
    }
  } else if (!std::filesystem::exists(JournalPath(data_dir), error)) {
    return Error(StatusCode::kNotFound, "site_not_found",
                 "no site in " + data_dir + " (create one with `entrepot init`)");
  }
  store::SqliteJournal::Options journal_options;
  journal_options.read_only = mode == OpenMode::kReadOnly;
  journal_options.create_if_missing = mode == OpenMode::kCreate;
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteJournal> journal,
                            store::SqliteJournal::Open(JournalPath(data_dir), journal_options));
  return engine::SiteEngine::Open(std::move(journal), options);
}

StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  if (error) {
    return Error(StatusCode::kNotFound, "file_not_found", path + ": " + error.message());
  }
  if (size > max_bytes) {
    return Error(StatusCode::kResourceExhausted, "file_too_large",
                 path + " has " + std::to_string(size) + " bytes; the limit is " +
                     std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return Error(StatusCode::kUnavailable, "read_failed", path + ": " + std::strerror(errno));
  }
  return text;
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::year_month_day TodayUtc() {
  const std::chrono::sys_time<std::chrono::milliseconds> now{
      std::chrono::milliseconds(SystemNowMs())};
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now));
}

int ReportError(const Status& status, int exit_status) {
  std::cerr << "error: " << status.ToString() << "\n";
  return exit_status;
}

}  // namespace entrepot::cli
