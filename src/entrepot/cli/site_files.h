// File: site_files.h
//
// A site's data directory: DIR/journal.db (the SQLite journal). Shared by the subcommands
// that open a site, and the place where a module is wired to its implementation.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/engine/site_engine.h"

namespace entrepot::cli {

std::string JournalPath(const std::string& data_dir);

enum class OpenMode { kCreate, kExisting, kReadOnly };
// Opens the site in `data_dir`. kCreate makes the directory and an empty journal;
// kExisting and kReadOnly return kNotFound (reason "site_not_found") when there is none.
StatusOr<std::unique_ptr<engine::SiteEngine>> OpenSite(const std::string& data_dir, OpenMode mode,
                                                       engine::EngineOptions options = {});

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

}  // namespace entrepot::cli
