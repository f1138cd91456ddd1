// File: sqlite_status.h
//
// The one mapping from an SQLite result code to an entrepot::Status, shared by every SQLite
// file of a site (journal, index, audit log): what may pass (locks, I/O, a full disk, a
// read-only file system) is kUnavailable "<prefix>_unavailable", damage is kDataLoss
// "<prefix>_corrupt", the rest kInternal "<prefix>_error". The message keeps SQLite's own
// text and code after `what`.
#pragma once

#include <string_view>

#include "entrepot/base/status.h"

struct sqlite3;

namespace entrepot::store {

// REQUIRES: rc is an SQLite error code (not SQLITE_OK, SQLITE_ROW or SQLITE_DONE). `db` may
// be null (the text then comes from sqlite3_errstr).
Status SqliteStatus(sqlite3* db, int rc, std::string_view what, std::string_view prefix);

}  // namespace entrepot::store
