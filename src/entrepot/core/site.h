// File: site.h
//
// Site is the sequencer's state machine for one warehouse site: scan commands in, replies
// and events out. It is pure and deterministic: no I/O, no clock (each command carries its
// time), no locks (one thread owns a Site; see engine/site_engine.h for the batching writer
// around it). Executing a command decides its reply and events and applies the events at
// once, so the next command of the same batch sees them.
//
// Each mode has its scan sequence (docs/SCANNING.md):
//   receive: dock or container, then items           -> UnitsReceived
//   stow:    source tote, then item, bin, item, bin   -> UnitsMoved (+ LocationFlagged)
//   pick:    tote, bin, item, item, bin, item ...      -> UnitsMoved
//   pack:    tote, items, parcel label (SSCC)          -> ContainerRegistered, UnitsMoved
//   move:    container, destination                    -> ContainerMoved
//   ship:    outbound door, containers                 -> ContainerShipped
//   count:   bin, every unit, the same bin again       -> StockAdjusted, LocationCounted
//
// Master data comes from the layout (LoadLayout) and from changes while the site runs
// (ChangeMasterData, master_data.h), one journal entry per change.
//
// Privacy: commands carry a device, never a worker; the too-fast-stow check flags the bin
// for a quality check and records nothing about the person (rule IND-01).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "entrepot/core/events.h"
#include "entrepot/core/key_index.h"
#include "entrepot/core/master_data.h"
#include "entrepot/core/orders.h"
#include "entrepot/core/site_state.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

struct SiteConfig {
  // Two stows from one device closer than this flag the second bin for re-verification.
  int64_t stow_too_fast_ms = 1250;
  // How many recent idempotency keys are remembered (oldest forgotten first).
  size_t idempotency_window = size_t{1} << 22;
  // Pending items a device may accumulate (pack list, count tally).
  size_t pending_items_max = 1000;
  // Master-data events per journal entry when loading a layout.
  size_t master_data_events_per_entry = 1000;
};

struct ScanCommand {
  std::string key;     // Idempotency key chosen by the device.
  std::string device;  // Device id.
  Mode mode = Mode::kReceive;
  std::string code;   // The scanned data as received.
  int64_t at_ms = 0;  // When it was scanned (Unix ms, UTC).
};

class Site {
 public:
  explicit Site(SiteConfig config = {});
  Site(SiteConfig config, SiteState state);

  struct Execution {
    Entry entry;                // Valid when duplicate_of == 0.
    uint64_t duplicate_of = 0;  // Non-zero: the key was used by this earlier entry.
  };
  // Decides `command` as journal entry `seq`, applies its events and remembers its key.
  // When the key is remembered already (and `ignore_known_key` is false), nothing changes
  // and duplicate_of names the earlier entry, whose reply the caller returns. A command with
  // an unknown key made no later than the newest forgotten key is answered kTooOld and
  // changes nothing: it may be the replay of a scan the window no longer remembers, and
  // applying it twice would corrupt stock.
  Execution Execute(const ScanCommand& command, uint64_t seq, bool ignore_known_key = false);
  // A hint that `next` will be executed after the current command: starts loading the
  // idempotency-key slot its Execute reads first, a likely cache miss. Changes nothing.
  void Prefetch(const ScanCommand& next) const { keys_.Prefetch(next.key); }

  // Builds the entries that define a layout's master data (site, zones, locations,
  // products, containers), numbered from `first_seq`, and applies them.
  std::vector<Entry> LoadLayout(const domain::Layout& layout, uint64_t first_seq);

  struct MasterDataExecution {
    MasterDataOutcome outcome = MasterDataOutcome::kUnchanged;
    MasterDataChange stored;  // The object as stored now (master_data.h).
    Entry entry;              // The kMasterData entry to journal; unused when kUnchanged.
  };
  // Decides `change` (DecideMasterData in master_data.h, whose errors it returns; on error
  // nothing changes). Unless the change is kUnchanged, builds master-data journal entry
  // `seq` with one event, made at `at_ms` (Unix ms), and applies it.
  StatusOr<MasterDataExecution> ChangeMasterData(const MasterDataChange& change, uint64_t seq,
                                                 int64_t at_ms);

  struct OrderExecution {
    OrderDecision decision;
    Entry entry;  // The kOrder entry to journal; unused when decision.events is empty.
  };
  // Decides an order command (DecideOrder in orders.h, whose errors it returns; on error
  // nothing changes). When it has events, builds order journal entry `seq` made at `at_ms`
  // and applies it.
  StatusOr<OrderExecution> ExecuteOrder(const OrderCommand& command, uint64_t seq, int64_t at_ms);

  // Applies a committed entry read back from the journal.
  void Replay(const Entry& entry);
  // Remembers the key of an entry already reflected in the state (entries before a
  // snapshot), scanned at `at_ms`, so replays of it are recognised.
  void RememberKey(const std::string& key, uint64_t seq, int64_t at_ms);

  const SiteState& state() const { return state_; }
  const SiteConfig& config() const { return config_; }

 private:
  SiteConfig config_;
  SiteState state_;
  KeyIndex keys_;
};

// The calendar year of a Unix time in ms (UTC); resolves two-digit GS1 years.
int CivilYear(int64_t at_ms);

}  // namespace entrepot::core
