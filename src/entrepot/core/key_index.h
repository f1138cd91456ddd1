// File: key_index.h
//
// KeyIndex remembers the journal entry of the most recent idempotency keys, up to a fixed
// window; the oldest are forgotten first. It stores a 64-bit hash of each key, not the key:
// a hit names an entry whose full key the caller confirms (engine/site_engine.cc reads it
// back from the journal), so a hash collision can never return another scan's reply.
//
// It also remembers the newest scan time among the keys it has forgotten: a scan made at or
// before that time with an unknown key may be a replay the index no longer recognises.
//
// An open-addressing table (linear probing, backward-shift deletion) and a ring of the
// window's keys in arrival order: 24 bytes of ring and 32 to 64 of table per remembered key,
// one cache miss per lookup on the scan hot path. Not thread-safe; owned by the sequencer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace entrepot::core {

class KeyIndex {
 public:
  // REQUIRES: window > 0.
  explicit KeyIndex(size_t window);

  // The seq last remembered for `key`, or 0.
  uint64_t Find(std::string_view key) const;
  // Starts loading the table line where Find(key) will look, so that a caller who knows the
  // next key can hide that lookup's cache miss behind the work of the current scan.
  void Prefetch(std::string_view key) const;
  // Remembers `key` -> `seq`, scanned at `at_ms` (replacing an older seq for the same
  // hash), and forgets the oldest key once the window is full. REQUIRES: seq > 0.
  void Remember(std::string_view key, uint64_t seq, int64_t at_ms);

  size_t size() const { return size_; }
  // The newest scan time of a forgotten key; 0 while nothing has been forgotten.
  int64_t forgotten_until_ms() const { return forgotten_until_ms_; }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 marks an empty slot; real hashes are never 0.
    uint64_t seq = 0;
  };
  struct Arrival {
    uint64_t hash;
    uint64_t seq;
    int64_t at_ms;
  };

  static uint64_t Hash(std::string_view key);
  size_t Probe(uint64_t hash) const;  // The slot holding `hash`, or the empty slot ending its run.
  void Insert(uint64_t hash, uint64_t seq);
  void Erase(size_t slot);
  void Grow();

  size_t window_;
  std::vector<Slot> slots_;        // Size is a power of two, at most half full.
  std::vector<Arrival> arrivals_;  // Ring of the remembered keys, oldest at next_.
  size_t next_ = 0;
  size_t size_ = 0;
  int64_t forgotten_until_ms_ = 0;
};

}  // namespace entrepot::core
