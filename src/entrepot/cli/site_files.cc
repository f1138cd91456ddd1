#include "entrepot/cli/site_files.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/layout.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/sqlite_journal.h"

namespace entrepot::cli {

std::string JournalPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "journal.db").string();
}

namespace {

Status CheckStoreUrl(const std::string& store) {
  if (!store::PostgresJournal::IsStoreUrl(store)) {
    return Error(StatusCode::kInvalidArgument, "bad_store_url",
                 "--store must be a postgresql:// URL (docs/STORAGE.md)");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::string> ResolveSiteCode(const SiteLocation& location) {
  ENTREPOT_RETURN_IF_ERROR(CheckStoreUrl(location.store));
  if (!location.site.empty()) {
    return location.site;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> sites,
                            store::PostgresJournal::ListSites(location.store));
  if (sites.empty()) {
    return Error(StatusCode::kNotFound, "site_not_found",
                 "the database holds no site (move one into it with `entrepot migrate`)");
  }
  if (sites.size() > 1) {
    std::string names;
    for (size_t i = 0; i < sites.size() && i < 10; ++i) {
      names += (i == 0 ? "" : ", ") + sites[i];
    }
    return Error(StatusCode::kInvalidArgument, "site_required",
                 "the database holds " + std::to_string(sites.size()) + " sites (" + names +
                     (sites.size() > 10 ? ", ..." : "") + "): name one with --site");
  }
  return sites.front();
}

namespace {

StatusOr<std::unique_ptr<store::Journal>> OpenPostgresJournal(const SiteLocation& location,
                                                              OpenMode mode) {
  if (mode == OpenMode::kCreate && location.site.empty()) {
    return Error(StatusCode::kInvalidArgument, "site_required",
                 "creating a site in PostgreSQL needs its code (--site)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string site, ResolveSiteCode(location));
  store::PostgresJournal::Options options;
  options.read_only = mode == OpenMode::kReadOnly;
  options.create_if_missing = mode == OpenMode::kCreate;
  if (mode != OpenMode::kReadOnly) {
    options.lease_token = location.lease_token;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::PostgresJournal> journal,
                            store::PostgresJournal::Open(location.store, site, options));
  return std::unique_ptr<store::Journal>(std::move(journal));
}

}  // namespace

StatusOr<std::unique_ptr<store::Journal>> OpenJournal(const SiteLocation& location, OpenMode mode) {
  const std::string& data_dir = location.data_dir;
  std::error_code error;
  if (!location.store.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckStoreUrl(location.store));
  }
  if (mode == OpenMode::kCreate) {
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      return Error(StatusCode::kUnavailable, "data_dir_unusable",
                   "cannot create " + data_dir + ": " + error.message());
    }
  }
  if (!location.store.empty()) {
    return OpenPostgresJournal(location, mode);
  }
  if (mode != OpenMode::kCreate && !std::filesystem::exists(JournalPath(data_dir), error)) {
    return Error(StatusCode::kNotFound, "site_not_found",
                 "no site in " + data_dir + " (create one with `entrepot init`)");
  }
  store::SqliteJournal::Options journal_options;
  journal_options.read_only = mode == OpenMode::kReadOnly;
  journal_options.create_if_missing = mode == OpenMode::kCreate;
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteJournal> journal,
                            store::SqliteJournal::Open(JournalPath(data_dir), journal_options));
  return std::unique_ptr<store::Journal>(std::move(journal));
}

StatusOr<JournalFactory> ReadOnlyJournalFactory(const SiteLocation& location) {
  SiteLocation resolved = location;
  if (!location.store.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(resolved.site, ResolveSiteCode(location));
  }
  return JournalFactory([resolved]() -> StatusOr<std::unique_ptr<store::Journal>> {
    return OpenJournal(resolved, OpenMode::kReadOnly);
  });
}

StatusOr<std::unique_ptr<engine::SiteEngine>> OpenSite(const SiteLocation& location, OpenMode mode,
                                                       engine::EngineOptions options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::Journal> journal, OpenJournal(location, mode));
  const auto* postgres = dynamic_cast<const store::PostgresJournal*>(journal.get());
  const std::string stored_under = postgres != nullptr ? postgres->Site() : "";
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<engine::SiteEngine> engine,
                            engine::SiteEngine::Open(std::move(journal), options));
  // The records name their site: a journal stored under another code was misfiled.
  const std::string& site_code = engine->state().site_code();
  if (!stored_under.empty() && !site_code.empty() && site_code != stored_under) {
    return Error(StatusCode::kFailedPrecondition, "site_mismatch",
                 "the journal stored under site " + stored_under + " holds the records of site " +
                     site_code);
  }
  return engine;
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

int ReportSiteError(const Status& status) {
  return ReportError(status, status.code() == StatusCode::kInvalidArgument ? 1 : 2);
}

StatusOr<domain::Layout> ReadLayoutFile(const std::string& path) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string text, ReadFile(path, domain::kMaxLayoutTomlBytes));
  StatusOr<domain::Layout> layout = domain::ParseLayoutToml(text);
  if (!layout.ok())
    return layout.status().WithContext(path);
  return layout;
}

Status CreateSite(const SiteLocation& location, const domain::Layout& layout) {
  SiteLocation site_location = location;
  if (!location.store.empty()) {
    // A database holds many sites: the journal is stored under the layout's own code.
    if (!location.site.empty() && location.site != layout.site_code) {
      return Error(
          StatusCode::kInvalidArgument, "site_mismatch",
          "--site " + location.site + " names another site than the layout's, " + layout.site_code);
    }
    site_location.site = layout.site_code;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<engine::SiteEngine> engine,
                            OpenSite(site_location, OpenMode::kCreate));
  return engine->LoadLayout(layout);
}

}  // namespace entrepot::cli
