#include "entrepot/server/movement_db.h"

#include <fcntl.h>
#include <sqlite3.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/codec.h"
#include "entrepot/store/crc32c.h"
#include "entrepot/store/fsync_path.h"
#include "entrepot/store/sqlite_status.h"

namespace entrepot::server::internal {
namespace {

using domain::Holder;

// The journal's application_id: an index never deletes a journal given as its path.
constexpr int32_t kJournalApplicationId = 0x454A524E;
// Containers nest far less deep; this bounds a walk up a damaged parent chain.
constexpr int kMaxNesting = 64;
constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * 1000;

constexpr const char* kSchema = R"sql(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE unsynced(boot TEXT NOT NULL);
  CREATE TABLE movement(
    seq INTEGER NOT NULL, ord INTEGER NOT NULL, at_ms INTEGER NOT NULL, process TEXT NOT NULL,
    kind INTEGER NOT NULL, location TEXT NOT NULL, zone TEXT NOT NULL,
    from_kind INTEGER NOT NULL, from_id TEXT NOT NULL, to_kind INTEGER NOT NULL,
    to_id TEXT NOT NULL, gtin TEXT NOT NULL, lot TEXT NOT NULL, expiry TEXT NOT NULL,
    serial TEXT NOT NULL, container TEXT NOT NULL, quantity INTEGER NOT NULL,
    reason TEXT NOT NULL, flow_units INTEGER NOT NULL, flow_movements INTEGER NOT NULL,
    PRIMARY KEY(seq, ord)) WITHOUT ROWID;
  CREATE INDEX movement_by_serial ON movement(gtin, serial, seq, ord) WHERE serial != '';
  CREATE INDEX movement_by_lot ON movement(gtin, lot, seq, ord) WHERE lot != '';
  CREATE INDEX movement_by_gtin ON movement(gtin, seq, ord);
  CREATE INDEX movement_by_time ON movement(at_ms);
  CREATE TABLE movement_container(container TEXT NOT NULL, seq INTEGER NOT NULL,
                                  ord INTEGER NOT NULL,
                                  PRIMARY KEY(container, seq, ord)) WITHOUT ROWID;
  CREATE TABLE flow_second(bucket INTEGER NOT NULL, zone TEXT NOT NULL, process TEXT NOT NULL,
                           units INTEGER NOT NULL, movements INTEGER NOT NULL,
                           PRIMARY KEY(bucket, zone, process)) WITHOUT ROWID;
  CREATE TABLE flow_minute(bucket INTEGER NOT NULL, zone TEXT NOT NULL, process TEXT NOT NULL,
                           units INTEGER NOT NULL, movements INTEGER NOT NULL,
                           PRIMARY KEY(bucket, zone, process)) WITHOUT ROWID;
  CREATE TABLE tracked_location(code TEXT PRIMARY KEY, zone TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE tracked_container(id TEXT PRIMARY KEY, parent_kind INTEGER NOT NULL,
                                 parent_id TEXT NOT NULL, shipped INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX tracked_container_by_parent ON tracked_container(parent_id)
    WHERE parent_kind = 2;
  CREATE TABLE tracked_content(container TEXT NOT NULL, gtin TEXT NOT NULL, lot TEXT NOT NULL,
                               expiry TEXT NOT NULL, serial TEXT NOT NULL,
                               quantity INTEGER NOT NULL,
                               PRIMARY KEY(container, gtin, lot, expiry, serial)) WITHOUT ROWID;
)sql";

constexpr const char* kClear = R"sql(
  DELETE FROM meta; DELETE FROM movement; DELETE FROM movement_container;
  DELETE FROM flow_second; DELETE FROM flow_minute; DELETE FROM tracked_location;
  DELETE FROM tracked_container; DELETE FROM tracked_content;
)sql";

#define ENTREPOT_MOVEMENT_COLUMNS                                                              \
  "seq, ord, at_ms, process, kind, location, zone, from_kind, from_id, to_kind, to_id, gtin, " \
  "lot, expiry, serial, container, quantity, reason"
#define ENTREPOT_MOVEMENT_COLUMNS_OF_M                                                     \
  "m.seq, m.ord, m.at_ms, m.process, m.kind, m.location, m.zone, m.from_kind, m.from_id, " \
  "m.to_kind, m.to_id, m.gtin, m.lot, m.expiry, m.serial, m.container, m.quantity, m.reason"

enum class Sql : size_t {
  kInsertMovement,
  kInsertKey,
  kUpsertLocation,
  kZoneOf,
  kRegisterContainer,
  kParentOf,
  kSetParent,
  kMarkShipped,
  kChildrenOf,
  kAddContent,
  kDropEmptyContent,
  kContentsOf,
  kDeleteContents,
  kUnitsIn,
  kAddFlowSecond,
  kAddFlowMinute,
  kSetMeta,
  kGetMeta,
  kHistorySerial,
  kHistoryLot,
  kHistoryProduct,
  kHistoryContainer,
  kFlowRows,
  kFlowSeconds,
  kFlowMinutes,
  kCount,
};

constexpr std::array<const char*, static_cast<size_t>(Sql::kCount)> kSql = {
    "INSERT INTO movement(" ENTREPOT_MOVEMENT_COLUMNS
    ", flow_units, flow_movements) "
    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO movement_container(container, seq, ord) VALUES(?,?,?)",
    "INSERT INTO tracked_location(code, zone) VALUES(?,?) "
    "ON CONFLICT(code) DO UPDATE SET zone = excluded.zone",
    "SELECT zone FROM tracked_location WHERE code = ?",
    "INSERT OR IGNORE INTO tracked_container(id, parent_kind, parent_id, shipped) "
    "VALUES(?, 0, '', 0)",
    "SELECT parent_kind, parent_id FROM tracked_container WHERE id = ?",
    "INSERT INTO tracked_container(id, parent_kind, parent_id, shipped) VALUES(?,?,?,0) "
    "ON CONFLICT(id) DO UPDATE SET parent_kind = excluded.parent_kind, "
    "parent_id = excluded.parent_id",
    "UPDATE tracked_container SET shipped = 1 WHERE id = ?",
    "SELECT id FROM tracked_container WHERE parent_kind = 2 AND parent_id = ? ORDER BY id",
    "INSERT INTO tracked_content(container, gtin, lot, expiry, serial, quantity) "
    "VALUES(?,?,?,?,?,?) ON CONFLICT(container, gtin, lot, expiry, serial) "
    "DO UPDATE SET quantity = quantity + excluded.quantity",
    "DELETE FROM tracked_content WHERE container = ? AND gtin = ? AND lot = ? AND expiry = ? "
    "AND serial = ? AND quantity <= 0",
    "SELECT gtin, lot, expiry, serial, quantity FROM tracked_content WHERE container = ? "
    "ORDER BY gtin, lot, expiry, serial",
    "DELETE FROM tracked_content WHERE container = ?",
    "SELECT COALESCE(SUM(quantity), 0) FROM tracked_content WHERE container = ?",
    "INSERT INTO flow_second(bucket, zone, process, units, movements) VALUES(?,?,?,?,?) "
    "ON CONFLICT(bucket, zone, process) DO UPDATE SET units = units + excluded.units, "
    "movements = movements + excluded.movements",
    "INSERT INTO flow_minute(bucket, zone, process, units, movements) VALUES(?,?,?,?,?) "
    "ON CONFLICT(bucket, zone, process) DO UPDATE SET units = units + excluded.units, "
    "movements = movements + excluded.movements",
    "INSERT INTO meta(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value = "
    "excluded.value",
    "SELECT value FROM meta WHERE key = ?",
    "SELECT " ENTREPOT_MOVEMENT_COLUMNS
    " FROM movement WHERE gtin = ? AND serial = ? AND serial != '' "
    "AND (seq, ord) < (?, ?) ORDER BY seq DESC, ord DESC LIMIT ?",
    "SELECT " ENTREPOT_MOVEMENT_COLUMNS
    " FROM movement WHERE gtin = ? AND lot = ? AND lot != '' "
    "AND (seq, ord) < (?, ?) ORDER BY seq DESC, ord DESC LIMIT ?",
    "SELECT " ENTREPOT_MOVEMENT_COLUMNS
    " FROM movement WHERE gtin = ? "
    "AND (seq, ord) < (?, ?) ORDER BY seq DESC, ord DESC LIMIT ?",
    "SELECT " ENTREPOT_MOVEMENT_COLUMNS_OF_M
    " FROM movement_container k "
    "JOIN movement m ON m.seq = k.seq AND m.ord = k.ord WHERE k.container = ? "
    "AND (k.seq, k.ord) < (?, ?) ORDER BY k.seq DESC, k.ord DESC LIMIT ?",
    "SELECT zone, process, SUM(flow_units), SUM(flow_movements) FROM movement "
    "WHERE at_ms >= ? AND at_ms < ? GROUP BY zone, process",
    "SELECT zone, process, SUM(units), SUM(movements) FROM flow_second "
    "WHERE bucket >= ? AND bucket < ? GROUP BY zone, process",
    "SELECT zone, process, SUM(units), SUM(movements) FROM flow_minute "
    "WHERE bucket >= ? AND bucket < ? GROUP BY zone, process",
};

#undef ENTREPOT_MOVEMENT_COLUMNS
#undef ENTREPOT_MOVEMENT_COLUMNS_OF_M

constexpr const char* kWatermarkSeq = "watermark_seq";
constexpr const char* kWatermarkCrc = "watermark_crc";

// Holder kinds in the movement and tracked_container tables.
enum HolderCode : int64_t { kNoHolder = 0, kLocationHolder = 1, kContainerHolder = 2 };

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  return store::SqliteStatus(db, rc, what, "index");
}

// Prepared statements of one connection, prepared at first use.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() {
    for (sqlite3_stmt* statement : cache_) {
      sqlite3_finalize(statement);
    }
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  StatusOr<sqlite3_stmt*> Get(Sql which) {
    sqlite3_stmt*& slot = cache_[static_cast<size_t>(which)];
    if (slot == nullptr) {
      const int rc = sqlite3_prepare_v3(db_, kSql[static_cast<size_t>(which)], -1,
                                        SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(slot);
        slot = nullptr;
        return SqliteStatus(db_, rc, "index: prepare statement");
      }
    }
    return slot;
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  std::array<sqlite3_stmt*, static_cast<size_t>(Sql::kCount)> cache_{};
};

// One use of a cached statement: binds in order, steps, and resets it on destruction.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  ~Query() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Int(int64_t value) {
    sqlite3_bind_int64(statement_, ++bound_, value);
    return *this;
  }
  // An empty text is bound as '' (a null data pointer would bind NULL).
  Query& Text(std::string_view value) {
    sqlite3_bind_text64(statement_, ++bound_, value.empty() ? "" : value.data(), value.size(),
                        SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
  }
  // True when a row is available, false when done.
  StatusOr<bool> Next() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return SqliteStatus(db_, rc, "index query");
  }
  Status Run() {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, Next());
    (void)row;
    return OkStatus();
  }
  int64_t ColumnInt(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string ColumnText(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    return text == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
  int bound_ = 0;
};

int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}
int64_t CeilDiv(int64_t value, int64_t divisor) { return -FloorDiv(-value, divisor); }

int64_t HolderCodeOf(const std::optional<Holder>& holder) {
  if (!holder) {
    return kNoHolder;
  }
  return holder->IsLocation() ? kLocationHolder : kContainerHolder;
}

std::optional<Holder> HolderOf(int64_t code, std::string id) {
  if (code == kLocationHolder) {
    return Holder::AtLocation(std::move(id));
  }
  if (code == kContainerHolder) {
    return Holder::InContainer(std::move(id));
  }
  return std::nullopt;
}

Movement MovementOfRow(const Query& row) {
  Movement m;
  m.seq = static_cast<uint64_t>(row.ColumnInt(0));
  m.ord = static_cast<uint32_t>(row.ColumnInt(1));
  m.at_ms = row.ColumnInt(2);
  m.process = row.ColumnText(3);
  const int64_t kind = row.ColumnInt(4);
  m.kind = kind >= 0 && kind < kMovementKindCount ? static_cast<MovementKind>(kind)
                                                  : MovementKind::kMoved;
  m.location = row.ColumnText(5);
  m.zone = row.ColumnText(6);
  m.from = HolderOf(row.ColumnInt(7), row.ColumnText(8));
  m.to = HolderOf(row.ColumnInt(9), row.ColumnText(10));
  m.item = {row.ColumnText(11), row.ColumnText(12), row.ColumnText(13), row.ColumnText(14)};
  m.container = row.ColumnText(15);
  m.quantity = row.ColumnInt(16);
  m.reason = row.ColumnText(17);
  return m;
}

// (bucket, zone, process) -> (units, movements).
using FlowBuckets =
    std::map<std::tuple<int64_t, std::string, std::string>, std::pair<int64_t, int64_t>>;

// Indexes the entries of one batch, inside the caller's transaction.
class BatchIndexer {
 public:
  explicit BatchIndexer(StatementCache& sql) : sql_(sql), db_(sql.db()) {}

  Status Index(const core::Entry& entry, uint64_t seq);
  // Adds the batch's flow buckets and sets the watermark.
  Status Finish(uint64_t seq, uint32_t crc);

 private:
  Status OnEvent(const core::Event& event);
  Status OnContainerMoved(const core::ContainerMoved& event);
  Status OnContainerShipped(const core::ContainerShipped& event);
  Status Emit(Movement movement);
  Status Place(Movement& movement);
  StatusOr<std::string> LocationOf(const Holder& holder);
  StatusOr<std::optional<Holder>> ParentOf(const std::string& container);
  Status SetParent(const std::string& container, const std::optional<Holder>& parent);
  Status AddContent(const Holder& holder, const domain::ItemKey& item, int64_t delta);
  StatusOr<int64_t> UnitsIn(const std::string& container);
  // The container and every container in or on it, breadth first, with each one's parent.
  StatusOr<std::vector<std::pair<std::string, std::string>>> Tree(const std::string& root);
  Status ShipLines(const std::string& root, const std::string& container, const std::string& door);
  Status AddFlow(Sql which, const FlowBuckets& buckets);

  StatementCache& sql_;
  sqlite3* db_;
  uint64_t seq_ = 0;
  int64_t at_ms_ = 0;
  std::string process_;
  uint32_t ord_ = 0;
  FlowBuckets seconds_;
  FlowBuckets minutes_;
};

Status BatchIndexer::Index(const core::Entry& entry, uint64_t seq) {
  seq_ = seq;
  at_ms_ = entry.at_ms;
  process_ = entry.kind == core::Entry::Kind::kMasterData ? std::string(kMasterDataProcess)
                                                          : std::string(ModeName(entry.mode));
  ord_ = 0;
  for (const core::Event& event : entry.events) {
    ENTREPOT_RETURN_IF_ERROR(OnEvent(event));
  }
  return OkStatus();
}

Status BatchIndexer::OnEvent(const core::Event& event) {
  return std::visit(
      [this](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::LocationDefined>) {
          ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kUpsertLocation));
          return Query(db_, statement).Text(e.location.code).Text(e.location.zone).Run();
        } else if constexpr (std::is_same_v<T, core::ContainerRegistered>) {
          ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kRegisterContainer));
          return Query(db_, statement).Text(e.container).Run();
        } else if constexpr (std::is_same_v<T, core::UnitsReceived>) {
          ENTREPOT_RETURN_IF_ERROR(Emit({.kind = MovementKind::kReceived,
                                         .to = e.to,
                                         .item = e.item,
                                         .quantity = e.quantity}));
          return AddContent(e.to, e.item, e.quantity);
        } else if constexpr (std::is_same_v<T, core::UnitsMoved>) {
          ENTREPOT_RETURN_IF_ERROR(Emit({.kind = MovementKind::kMoved,
                                         .from = e.from,
                                         .to = e.to,
                                         .item = e.item,
                                         .quantity = e.quantity}));
          ENTREPOT_RETURN_IF_ERROR(AddContent(e.from, e.item, -e.quantity));
          return AddContent(e.to, e.item, e.quantity);
        } else if constexpr (std::is_same_v<T, core::StockAdjusted>) {
          Movement m{.kind = MovementKind::kAdjusted,
                     .item = e.item,
                     .quantity = e.delta < 0 ? -e.delta : e.delta,
                     .reason = e.reason};
          (e.delta < 0 ? m.from : m.to) = e.holder;
          ENTREPOT_RETURN_IF_ERROR(Emit(std::move(m)));
          return AddContent(e.holder, e.item, e.delta);
        } else if constexpr (std::is_same_v<T, core::ContainerMoved>) {
          return OnContainerMoved(e);
        } else if constexpr (std::is_same_v<T, core::ContainerShipped>) {
          return OnContainerShipped(e);
        } else {
          // Site, zone and product definitions, flags and device states place nothing; device
          // states are never indexed (rule RET-01: no device in an operational history).
          return OkStatus();
        }
      },
      event);
}

Status BatchIndexer::OnContainerMoved(const core::ContainerMoved& event) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Holder> previous, ParentOf(event.container));
  ENTREPOT_ASSIGN_OR_RETURN(auto tree, Tree(event.container));
  int64_t units = 0;
  for (const auto& [container, parent] : tree) {
    ENTREPOT_ASSIGN_OR_RETURN(int64_t in_container, UnitsIn(container));
    units += in_container;
  }
  ENTREPOT_RETURN_IF_ERROR(Emit({.kind = MovementKind::kContainerMoved,
                                 .from = previous,
                                 .to = event.to,
                                 .container = event.container,
                                 .quantity = units}));
  return SetParent(event.container, event.to);
}

// A shipped container: one kContainerShipped row for it and for each container nested in it
// (with the units in and under each), and one kShipped row per stock line they held. The
// tracked contents are dropped, as SiteState drops the stock of a shipped container.
Status BatchIndexer::OnContainerShipped(const core::ContainerShipped& event) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Holder> previous, ParentOf(event.container));
  ENTREPOT_ASSIGN_OR_RETURN(auto tree, Tree(event.container));
  // Units in and under each container: children come after their parent, so a reverse walk
  // adds every subtree into its parent before the parent is read.
  std::map<std::string, int64_t> units;
  for (const auto& [container, parent] : tree) {
    ENTREPOT_ASSIGN_OR_RETURN(units[container], UnitsIn(container));
  }
  for (auto it = tree.rbegin(); it != tree.rend(); ++it) {
    if (!it->second.empty()) {
      units[it->second] += units[it->first];
    }
  }
  const Holder door = Holder::AtLocation(event.door);
  for (const auto& [container, parent] : tree) {
    std::optional<Holder> from =
        parent.empty() ? previous : std::optional<Holder>(Holder::InContainer(parent));
    ENTREPOT_RETURN_IF_ERROR(Emit({.kind = MovementKind::kContainerShipped,
                                   .from = from,
                                   .to = door,
                                   .container = container,
                                   .quantity = units[container]}));
    ENTREPOT_RETURN_IF_ERROR(ShipLines(event.container, container, event.door));
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * mark, sql_.Get(Sql::kMarkShipped));
    ENTREPOT_RETURN_IF_ERROR(Query(db_, mark).Text(container).Run());
  }
  return SetParent(event.container, std::nullopt);
}

Status BatchIndexer::ShipLines(const std::string& root, const std::string& container,
                               const std::string& door) {
  std::vector<std::pair<domain::ItemKey, int64_t>> lines;
  {
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kContentsOf));
    Query query(db_, statement);
    query.Text(container);
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) {
        break;
      }
      lines.emplace_back(domain::ItemKey{query.ColumnText(0), query.ColumnText(1),
                                         query.ColumnText(2), query.ColumnText(3)},
                         query.ColumnInt(4));
    }
  }
  for (auto& [item, quantity] : lines) {
    ENTREPOT_RETURN_IF_ERROR(Emit({.kind = MovementKind::kShipped,
                                   .from = Holder::InContainer(container),
                                   .to = Holder::AtLocation(door),
                                   .item = std::move(item),
                                   .container = root,
                                   .quantity = quantity}));
  }
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kDeleteContents));
  return Query(db_, statement).Text(container).Run();
}

Status BatchIndexer::Emit(Movement m) {
  ENTREPOT_RETURN_IF_ERROR(Place(m));
  m.seq = seq_;
  m.ord = ord_++;
  const bool counts = m.kind != MovementKind::kContainerShipped;
  {
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kInsertMovement));
    Query insert(db_, statement);
    insert.Int(static_cast<int64_t>(m.seq)).Int(m.ord).Int(at_ms_).Text(process_);
    insert.Int(static_cast<int64_t>(m.kind)).Text(m.location).Text(m.zone);
    insert.Int(HolderCodeOf(m.from)).Text(m.from ? m.from->id : "");
    insert.Int(HolderCodeOf(m.to)).Text(m.to ? m.to->id : "");
    insert.Text(m.item.gtin).Text(m.item.lot).Text(m.item.expiry).Text(m.item.serial);
    insert.Text(m.container).Int(m.quantity).Text(m.reason);
    insert.Int(counts ? m.quantity : 0).Int(counts ? 1 : 0);
    ENTREPOT_RETURN_IF_ERROR(insert.Run());
  }
  std::set<std::string> containers;
  for (const std::optional<Holder>& holder : {m.from, m.to}) {
    if (holder && !holder->IsLocation()) {
      containers.insert(holder->id);
    }
  }
  if (!m.container.empty()) {
    containers.insert(m.container);
  }
  for (const std::string& container : containers) {
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kInsertKey));
    ENTREPOT_RETURN_IF_ERROR(
        Query(db_, statement).Text(container).Int(static_cast<int64_t>(m.seq)).Int(m.ord).Run());
  }
  if (counts) {
    for (auto [buckets, width] :
         {std::pair{&seconds_, kMsPerSecond}, std::pair{&minutes_, kMsPerMinute}}) {
      auto& cell = (*buckets)[{FloorDiv(at_ms_, width), m.zone, process_}];
      cell.first += m.quantity;
      cell.second += 1;
    }
  }
  return OkStatus();
}

// The location of the destination when it is one, else of the source, else where the
// destination (then the source) container stands.
Status BatchIndexer::Place(Movement& m) {
  std::vector<const Holder*> candidates;
  for (bool locations : {true, false}) {
    for (const std::optional<Holder>* holder : {&m.to, &m.from}) {
      if (*holder && (*holder)->IsLocation() == locations) {
        candidates.push_back(&**holder);
      }
    }
  }
  for (const Holder* holder : candidates) {
    ENTREPOT_ASSIGN_OR_RETURN(m.location, LocationOf(*holder));
    if (!m.location.empty()) {
      break;
    }
  }
  if (m.location.empty()) {
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kZoneOf));
  Query query(db_, statement);
  query.Text(m.location);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
  if (row) {
    m.zone = query.ColumnText(0);
  }
  return OkStatus();
}

StatusOr<std::string> BatchIndexer::LocationOf(const Holder& holder) {
  Holder at = holder;
  for (int depth = 0; depth <= kMaxNesting; ++depth) {
    if (at.IsLocation()) {
      return at.id;
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<Holder> parent, ParentOf(at.id));
    if (!parent) {
      return std::string();
    }
    at = *std::move(parent);
  }
  return std::string();  // A parent chain longer than any real nesting: placed nowhere.
}

StatusOr<std::optional<Holder>> BatchIndexer::ParentOf(const std::string& container) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kParentOf));
  Query query(db_, statement);
  query.Text(container);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
  if (!row) {
    return std::optional<Holder>();
  }
  return HolderOf(query.ColumnInt(0), query.ColumnText(1));
}

Status BatchIndexer::SetParent(const std::string& container, const std::optional<Holder>& parent) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kSetParent));
  return Query(db_, statement)
      .Text(container)
      .Int(HolderCodeOf(parent))
      .Text(parent ? parent->id : "")
      .Run();
}

// Only stock in containers is tracked: it is what a shipped container takes with it.
Status BatchIndexer::AddContent(const Holder& holder, const domain::ItemKey& item, int64_t delta) {
  if (holder.IsLocation() || delta == 0) {
    return OkStatus();
  }
  {
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kAddContent));
    Query add(db_, statement);
    add.Text(holder.id).Text(item.gtin).Text(item.lot).Text(item.expiry).Text(item.serial);
    ENTREPOT_RETURN_IF_ERROR(add.Int(delta).Run());
  }
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kDropEmptyContent));
  Query drop(db_, statement);
  drop.Text(holder.id).Text(item.gtin).Text(item.lot).Text(item.expiry).Text(item.serial);
  return drop.Run();
}

StatusOr<int64_t> BatchIndexer::UnitsIn(const std::string& container) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kUnitsIn));
  Query query(db_, statement);
  query.Text(container);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
  return row ? query.ColumnInt(0) : 0;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> BatchIndexer::Tree(
    const std::string& root) {
  std::vector<std::pair<std::string, std::string>> tree = {{root, ""}};
  std::set<std::string> seen = {root};
  for (size_t next = 0; next < tree.size(); ++next) {
    const std::string parent = tree[next].first;
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kChildrenOf));
    Query query(db_, statement);
    query.Text(parent);
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) {
        break;
      }
      std::string child = query.ColumnText(0);
      if (seen.insert(child).second) {  // A damaged chain never loops the walk.
        tree.emplace_back(std::move(child), parent);
      }
    }
  }
  return tree;
}

Status BatchIndexer::AddFlow(Sql which, const FlowBuckets& buckets) {
  for (const auto& [key, sums] : buckets) {
    const auto& [bucket, zone, process] = key;
    ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(which));
    ENTREPOT_RETURN_IF_ERROR(Query(db_, statement)
                                 .Int(bucket)
                                 .Text(zone)
                                 .Text(process)
                                 .Int(sums.first)
                                 .Int(sums.second)
                                 .Run());
  }
  return OkStatus();
}

Status BatchIndexer::Finish(uint64_t seq, uint32_t crc) {
  ENTREPOT_RETURN_IF_ERROR(AddFlow(Sql::kAddFlowSecond, seconds_));
  ENTREPOT_RETURN_IF_ERROR(AddFlow(Sql::kAddFlowMinute, minutes_));
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql_.Get(Sql::kSetMeta));
  ENTREPOT_RETURN_IF_ERROR(
      Query(db_, statement).Text(kWatermarkSeq).Int(static_cast<int64_t>(seq)).Run());
  return Query(db_, statement).Text(kWatermarkCrc).Int(crc).Run();
}

// (zone, process) -> (units, movements).
using FlowCells = std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>>;

// Adds the rows of `which` (a flow query) over [low, high) into `cells`.
Status SumFlow(StatementCache& sql, Sql which, int64_t low, int64_t high, FlowCells& cells) {
  if (low >= high) {
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql.Get(which));
  Query query(sql.db(), statement);
  query.Int(low).Int(high);
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
    if (!row) {
      return OkStatus();
    }
    auto& cell = cells[{query.ColumnText(0), query.ColumnText(1)}];
    cell.first += query.ColumnInt(2);
    cell.second += query.ColumnInt(3);
  }
}

// Sums [low, high) in ms from buckets of `width` ms (table `buckets`) where whole buckets
// fit, and from `finer` (itself split the same way, or rows) at the ragged ends.
Status SumSplit(StatementCache& sql, int64_t low, int64_t high, FlowCells& cells,
                std::span<const std::pair<Sql, int64_t>> levels) {
  if (low >= high) {
    return OkStatus();
  }
  if (levels.empty()) {
    return SumFlow(sql, Sql::kFlowRows, low, high, cells);
  }
  const auto [table, width] = levels.front();
  const int64_t first = CeilDiv(low, width);
  const int64_t last = FloorDiv(high, width);  // Exclusive.
  if (first >= last) {
    return SumSplit(sql, low, high, cells, levels.subspan(1));
  }
  ENTREPOT_RETURN_IF_ERROR(SumFlow(sql, table, first, last, cells));
  ENTREPOT_RETURN_IF_ERROR(SumSplit(sql, low, first * width, cells, levels.subspan(1)));
  return SumSplit(sql, last * width, high, cells, levels.subspan(1));
}

FlowReport BuildFlowReport(const FlowCells& cells) {
  FlowReport report;
  std::map<std::string, FlowTotal> by_zone;
  std::map<std::string, FlowTotal> by_process;
  for (const auto& [key, sums] : cells) {
    if (sums.first == 0 && sums.second == 0) {
      continue;
    }
    report.cells.push_back({key.first, key.second, sums.first, sums.second});
    for (auto [totals, name] :
         {std::pair{&by_zone, &key.first}, std::pair{&by_process, &key.second}}) {
      FlowTotal& total = (*totals)[*name];
      total.key = *name;
      total.units += sums.first;
      total.movements += sums.second;
    }
    report.units += sums.first;
    report.movements += sums.second;
  }
  for (auto& [zone, total] : by_zone) {
    report.by_zone.push_back(std::move(total));
  }
  for (auto& [process, total] : by_process) {
    report.by_process.push_back(std::move(total));
  }
  return report;
}

StatusOr<int64_t> ReadMeta(StatementCache& sql, const char* key) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, sql.Get(Sql::kGetMeta));
  Query query(sql.db(), statement);
  query.Text(key);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
  return row ? query.ColumnInt(0) : 0;
}

StatusOr<int64_t> PragmaInt(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(raw);
  }
  const int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(raw, 0) : 0;
  sqlite3_finalize(raw);
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc, std::string("index: ") + sql);
  }
  return value;
}

// The text in the first column of the first row of `sql`; nullopt when it has no row.
StatusOr<std::optional<std::string>> ReadText(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(raw);
  }
  std::optional<std::string> value;
  if (rc == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    value = std::string(text != nullptr ? text : "");
  }
  sqlite3_finalize(raw);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, std::string("index: ") + sql);
  }
  return value;
}

// Runs `sql`, whose one parameter is `text`.
Status ExecWithText(sqlite3* db, const char* sql, const std::string& text) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(raw, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    rc = sqlite3_step(raw);
  }
  sqlite3_finalize(raw);
  return rc == SQLITE_DONE ? OkStatus() : SqliteStatus(db, rc, std::string("index: ") + sql);
}

// Opens a connection; on failure closes it and returns the error.
StatusOr<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteStatus(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

}  // namespace

class MovementDb::Statements : public StatementCache {
 public:
  using StatementCache::StatementCache;
};

MovementDb::MovementDb(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), statements_(std::make_unique<Statements>(db)) {}

MovementDb::~MovementDb() {
  statements_.reset();
  sqlite3_close_v2(db_);
}

Status MovementDb::Exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus()
                         : SqliteStatus(db_, rc, "index " + path_ + ": " + std::string(what));
}

StatusOr<std::unique_ptr<MovementDb>> MovementDb::OpenWriterOnce(const std::string& path,
                                                                 const std::string& boot_id) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3 * raw,
                            OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  std::unique_ptr<MovementDb> db(new MovementDb(path, raw));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t application_id, PragmaInt(raw, "PRAGMA application_id"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, PragmaInt(raw, "PRAGMA user_version"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t tables, PragmaInt(raw, "SELECT count(*) FROM sqlite_schema"));
  if (application_id != kApplicationId && (application_id != 0 || tables != 0)) {
    return Error(StatusCode::kFailedPrecondition, "not_an_index",
                 path + " is an SQLite database but not a movement index" +
                     (application_id == kJournalApplicationId ? " (it is a journal)" : "") +
                     "; give the index a path of its own");
  }
  if (application_id == kApplicationId && version != kSchemaVersion) {
    return Error(StatusCode::kFailedPrecondition, "index_stale",
                 path + " has index schema version " + std::to_string(version) + ", not " +
                     std::to_string(kSchemaVersion));
  }
  ENTREPOT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL", "set WAL mode"));
  // Checkpoints every 8,192 WAL pages (32 MiB) rather than SQLite's 1,000: the index rewrites
  // the same B-tree pages batch after batch, and a rarer checkpoint writes each of them back
  // once for many batches.
  ENTREPOT_RETURN_IF_ERROR(
      db->Exec("PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=8192", "set pragmas"));
  if (tables == 0) {
    // Schema and version in one transaction: a file either has both or neither.
    ENTREPOT_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE", "begin schema"));
    const std::string create = std::string(kSchema) +
                               "PRAGMA application_id = " + std::to_string(kApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
    Status status = db->Exec(create.c_str(), "create schema");
    if (status.ok()) {
      status = db->Exec("COMMIT", "commit schema");
    }
    if (!status.ok()) {
      (void)db->Exec("ROLLBACK", "roll back schema");
      return status;
    }
  }
  ENTREPOT_RETURN_IF_ERROR(db->StartUnsynced(boot_id));
  return db;
}

Status MovementDb::StartUnsynced(const std::string& boot_id) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> unsynced_boot,
                            ReadText(db_, "SELECT boot FROM unsynced"));
  if (unsynced_boot.has_value() && *unsynced_boot != boot_id) {
    return Error(StatusCode::kDataLoss, "index_unsynced",
                 path_ + " was written without syncs during boot " + *unsynced_boot +
                     " and not closed cleanly: the machine may have stopped with writes in "
                     "flight; rebuilding it from the journal");
  }
  if (boot_id.empty()) {
    // No boot id to tell a power loss from a process crash: sync as SQLite does by default
    // in WAL mode (at each checkpoint).
    return Exec("PRAGMA synchronous=NORMAL", "set synchronous");
  }
  // The mark is made durable (FULL) before the first unsynced write (OFF).
  ENTREPOT_RETURN_IF_ERROR(
      Exec("PRAGMA synchronous=FULL; BEGIN IMMEDIATE; DELETE FROM unsynced", "begin the mark"));
  Status status = ExecWithText(db_, "INSERT INTO unsynced(boot) VALUES(?1)", boot_id);
  status = status.ok() ? Exec("COMMIT; PRAGMA synchronous=OFF", "commit the mark") : status;
  if (!status.ok()) {
    (void)Exec("ROLLBACK", "roll back the mark");
    return status;
  }
  unsynced_ = true;
  return OkStatus();
}

Status MovementDb::CloseCleanly() {
  if (!unsynced_) {
    return OkStatus();
  }
  // Every page written without a sync reaches the disk (the checkpoint syncs the WAL, copies
  // it into the file and syncs the file; the file is synced once more in case nothing was
  // left to copy), then the mark goes, durably.
  ENTREPOT_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL", "set synchronous"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t busy, PragmaInt(db_, "PRAGMA wal_checkpoint(TRUNCATE)"));
  if (busy != 0) {
    return Error(StatusCode::kUnavailable, "index_unavailable",
                 "index " + path_ + ": a reader kept the closing checkpoint from completing");
  }
  if (const int error = store::FsyncPath(path_, O_RDONLY); error != 0) {
    return Error(StatusCode::kUnavailable, "index_unavailable",
                 "sync " + path_ + ": " + std::strerror(error));
  }
  ENTREPOT_RETURN_IF_ERROR(Exec("DELETE FROM unsynced", "clear the unsynced mark"));
  unsynced_ = false;
  return OkStatus();
}

StatusOr<std::unique_ptr<MovementDb>> MovementDb::OpenWriter(const std::string& path,
                                                             const std::string& boot_id,
                                                             bool* recreated) {
  StatusOr<std::unique_ptr<MovementDb>> db = OpenWriterOnce(path, boot_id);
  const std::string reason = db.ok() ? std::string() : db.status().reason();
  // An index of another version, a damaged one, or one that a power loss may have damaged
  // silently is rebuilt: it is derived from the journal. Anything else (locks, I/O, a
  // foreign database) is reported.
  if (reason != "index_stale" && reason != "index_corrupt" && reason != "index_unsynced") {
    return db;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ignored;
    std::filesystem::remove(path + suffix, ignored);
  }
  if (recreated != nullptr) {
    *recreated = true;
  }
  return OpenWriterOnce(path, boot_id);
}

StatusOr<std::unique_ptr<MovementDb>> MovementDb::OpenReader(const std::string& path) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3 * raw, OpenConnection(path, SQLITE_OPEN_READWRITE));
  std::unique_ptr<MovementDb> db(new MovementDb(path, raw));
  ENTREPOT_RETURN_IF_ERROR(db->Exec("PRAGMA query_only=1", "set query_only"));
  return db;
}

StatusOr<MovementDb::Watermark> MovementDb::ReadWatermark() {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t seq, ReadMeta(*statements_, kWatermarkSeq));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t crc, ReadMeta(*statements_, kWatermarkCrc));
  return Watermark{static_cast<uint64_t>(seq), static_cast<uint32_t>(crc)};
}

Status MovementDb::IndexBatch(std::span<const store::JournalRecord> records) {
  if (records.empty()) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "begin batch"));
  BatchIndexer indexer(*statements_);
  Status status;
  for (const store::JournalRecord& record : records) {
    StatusOr<core::Entry> entry = core::DecodeEntry(record.payload);
    status = entry.ok() ? indexer.Index(*entry, record.seq) : entry.status();
    if (!status.ok()) {
      status = status.WithContext("journal seq " + std::to_string(record.seq));
      break;
    }
  }
  if (status.ok()) {
    status = indexer.Finish(records.back().seq, store::Crc32c(records.back().payload));
  }
  if (status.ok()) {
    status = Exec("COMMIT", "commit batch");
  }
  if (!status.ok()) {
    (void)Exec("ROLLBACK", "roll back batch");
  }
  return status;
}

Status MovementDb::Clear() {
  // One transaction: a half-cleared index would keep rows beyond a reset watermark.
  ENTREPOT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "begin clear"));
  Status status = Exec(kClear, "clear");
  if (status.ok()) {
    status = Exec("COMMIT", "commit clear");
  }
  if (!status.ok()) {
    (void)Exec("ROLLBACK", "roll back clear");
  }
  return status;
}

Status MovementDb::ReadSnapshotBegin() { return Exec("BEGIN", "begin read"); }
void MovementDb::ReadSnapshotEnd() { (void)Exec("COMMIT", "end read"); }

StatusOr<HistoryPage> MovementDb::ReadHistory(const HistorySubject& subject, HistoryCursor before,
                                              int64_t limit) {
  using Kind = HistorySubject::Kind;
  const Sql which = subject.kind == Kind::kSerial    ? Sql::kHistorySerial
                    : subject.kind == Kind::kLot     ? Sql::kHistoryLot
                    : subject.kind == Kind::kProduct ? Sql::kHistoryProduct
                                                     : Sql::kHistoryContainer;
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3_stmt * statement, statements_->Get(which));
  ENTREPOT_RETURN_IF_ERROR(ReadSnapshotBegin());
  HistoryPage page;
  page.subject = subject;
  Status status = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(Watermark watermark, ReadWatermark());
    page.indexed_seq = watermark.seq;
    Query query(db_, statement);
    query.Text(subject.kind == Kind::kContainer ? subject.container : subject.gtin);
    if (subject.kind == Kind::kSerial || subject.kind == Kind::kLot) {
      query.Text(subject.kind == Kind::kSerial ? subject.serial : subject.lot);
    }
    const uint64_t max_seq = std::numeric_limits<int64_t>::max();
    query.Int(static_cast<int64_t>(std::min(before.seq, max_seq))).Int(before.ord);
    query.Int(limit + 1);
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, query.Next());
      if (!row) {
        return OkStatus();
      }
      page.movements.push_back(MovementOfRow(query));
    }
  }();
  ReadSnapshotEnd();
  ENTREPOT_RETURN_IF_ERROR(status);
  return page;
}

StatusOr<FlowReport> MovementDb::ReadFlow(int64_t from_ms, int64_t to_ms) {
  static constexpr std::pair<Sql, int64_t> kLevels[] = {{Sql::kFlowMinutes, kMsPerMinute},
                                                        {Sql::kFlowSeconds, kMsPerSecond}};
  FlowCells cells;
  ENTREPOT_RETURN_IF_ERROR(ReadSnapshotBegin());
  uint64_t indexed_seq = 0;
  Status status = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(Watermark watermark, ReadWatermark());
    indexed_seq = watermark.seq;
    return SumSplit(*statements_, from_ms, to_ms + 1, cells, kLevels);
  }();
  ReadSnapshotEnd();
  ENTREPOT_RETURN_IF_ERROR(status);
  FlowReport report = BuildFlowReport(cells);
  report.from_ms = from_ms;
  report.to_ms = to_ms;
  report.indexed_seq = indexed_seq;
  return report;
}

}  // namespace entrepot::server::internal
