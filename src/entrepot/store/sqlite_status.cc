#include "entrepot/store/sqlite_status.h"

#include <sqlite3.h>

#include <string>
#include <utility>

namespace entrepot::store {

Status SqliteStatus(sqlite3* db, int rc, std::string_view what, std::string_view prefix) {
  std::string message = std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) +
                        " (SQLite code " + std::to_string(rc) + ")";
  std::string reason(prefix);
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOLFS:
      return Error(StatusCode::kUnavailable, reason + "_unavailable", std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(StatusCode::kDataLoss, reason + "_corrupt", std::move(message));
    default:
      return Error(StatusCode::kInternal, reason + "_error", std::move(message));
  }
}

}  // namespace entrepot::store
