// File: site_files.h
//
// A site's data directory: DIR/journal.db (the SQLite journal), or, with a store URL, the
// journal in PostgreSQL while DIR keeps the site's other files (labor.db, audit.db,
// epcis.db, index.db, accounts.db; docs/STORAGE.md). Shared by the subcommands that open a
// site, and the place where a module is wired to its implementation.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/journal.h"

namespace entrepot::cli {

std::string JournalPath(const std::string& data_dir);

// Where a site's journal lives.
struct SiteLocation {
  // Implicit on purpose: a bare data directory is the common case (the SQLite journal in
  // it), and the commands that know no store pass one.
  SiteLocation(std::string dir) : data_dir(std::move(dir)) {}  // NOLINT(runtime/explicit)
  SiteLocation(std::string dir, std::string store_url, std::string site_code)
      : data_dir(std::move(dir)), store(std::move(store_url)), site(std::move(site_code)) {}

  std::string data_dir;
  // Empty: DIR/journal.db. Otherwise a postgresql:// URL (or libpq conninfo starting with
  // it): the journal of `site` in that database.
  std::string store;
  // PostgreSQL only: the site code; empty for the database's only site.
  std::string site;
  // PostgreSQL only: the token of this node's lease on the site (store/postgres_lease.h),
  // which then fences every write of the journal opened here; none: unfenced.
  std::optional<int64_t> lease_token;
};

enum class OpenMode { kCreate, kExisting, kReadOnly };

// The site code of a PostgreSQL location: location.site, or the only site the database
// holds. Returns kNotFound "site_not_found" when it holds none, kInvalidArgument
// "site_required" (naming them) when it holds several, and the store's errors.
StatusOr<std::string> ResolveSiteCode(const SiteLocation& location);

// Opens the journal of the site at `location` (see OpenSite for the modes and errors). A
// store that is not a postgresql:// (or postgres://) URL gives kInvalidArgument
// "bad_store_url".
StatusOr<std::unique_ptr<store::Journal>> OpenJournal(const SiteLocation& location, OpenMode mode);

// Opens a new read-only reader of one site's journal: the `open_journal` option of the
// followers that run beside the engine (server::MovementIndexOptions,
// server::EpcisRepositoryOptions).
using JournalFactory = std::function<StatusOr<std::unique_ptr<store::Journal>>()>;

// The factory of read-only readers of the journal at `location` (OpenJournal with
// kReadOnly, whose errors each call returns). For PostgreSQL the site code is resolved now
// (ResolveSiteCode's errors, and "bad_store_url"), so every reader opens the same site even
// if the database gains others later. The factory may be called from any thread.
StatusOr<JournalFactory> ReadOnlyJournalFactory(const SiteLocation& location);

// Opens the site at `location`. kCreate makes the directory and an empty journal (for
// PostgreSQL: registers location.site, which it then requires: kInvalidArgument
// "site_required"); kExisting and kReadOnly return kNotFound (reason "site_not_found" for a
// directory without a journal, "journal_not_found" for a site the database does not hold)
// when there is none. A PostgreSQL journal whose records belong to another site than the
// one it is stored under gives kFailedPrecondition "site_mismatch".
StatusOr<std::unique_ptr<engine::SiteEngine>> OpenSite(const SiteLocation& location, OpenMode mode,
                                                       engine::EngineOptions options = {});

// Reads and parses a layout file (domain/layout.h); parse errors name the file.
StatusOr<domain::Layout> ReadLayoutFile(const std::string& path);

// Creates the site of `layout` at `location` (a new journal holding the layout's master
// data: DIR/journal.db, or the site in PostgreSQL, whose code is location.site or, when
// empty, the layout's). Errors as OpenSite with kCreate, kInvalidArgument "site_mismatch"
// when location.site is not the layout's site code, and the engine's LoadLayout errors
// (kFailedPrecondition "site_initialised" for a site that has records already).
Status CreateSite(const SiteLocation& location, const domain::Layout& layout);

// Reads a whole file of at most `max_bytes`. Returns kNotFound, kResourceExhausted
// ("file_too_large") or kUnavailable with the OS error.
StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes);

// The system clock as Unix milliseconds: the one place the command line reads the time
// (for scan records without "at", and for the account store's expiries).
int64_t SystemNowMs();
// Today's date in UTC, from SystemNowMs() (for the policy's governance dates).
std::chrono::year_month_day TodayUtc();

// Prints "error: <reason>: <message>" to stderr and returns `exit_status`.
int ReportError(const Status& status, int exit_status = 2);

// ReportError for a failure to open a site: exit 1 when the command line was refused
// (kInvalidArgument: "bad_store_url", "site_required", "bad_site_code", ...), else 2.
int ReportSiteError(const Status& status);

}  // namespace entrepot::cli
