#include "entrepot/core/key_index.h"

#include <algorithm>

#include "entrepot/base/check.h"

namespace entrepot::core {

KeyIndex::KeyIndex(size_t window) : window_(window), slots_(1024) { ENTREPOT_CHECK(window_ > 0); }

uint64_t KeyIndex::Hash(std::string_view key) {
  // FNV-1a, then a final avalanche (splitmix64) so that linear probing spreads well.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : key) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash == 0 ? 1 : hash;
}

size_t KeyIndex::Probe(uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  size_t slot = static_cast<size_t>(hash) & mask;
  while (slots_[slot].hash != 0 && slots_[slot].hash != hash) {
    slot = (slot + 1) & mask;
  }
  return slot;
}

uint64_t KeyIndex::Find(std::string_view key) const {
  const Slot& slot = slots_[Probe(Hash(key))];
  return slot.hash == 0 ? 0 : slot.seq;
}

void KeyIndex::Prefetch(std::string_view key) const {
  __builtin_prefetch(&slots_[static_cast<size_t>(Hash(key)) & (slots_.size() - 1)]);
}

void KeyIndex::Insert(uint64_t hash, uint64_t seq) {
  Slot& slot = slots_[Probe(hash)];
  if (slot.hash == 0) {
    ++size_;
  }
  slot = Slot{hash, seq};
}

void KeyIndex::Erase(size_t slot) {
  // Backward-shift deletion keeps every run contiguous, so Probe needs no tombstones.
  const size_t mask = slots_.size() - 1;
  size_t hole = slot;
  for (size_t next = (hole + 1) & mask; slots_[next].hash != 0; next = (next + 1) & mask) {
    size_t home = static_cast<size_t>(slots_[next].hash) & mask;
    // Move the entry into the hole unless its home lies cyclically in (hole, next].
    bool home_after_hole =
        hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (!home_after_hole) {
      slots_[hole] = slots_[next];
      hole = next;
    }
  }
  slots_[hole] = Slot{};
  --size_;
}

void KeyIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.hash != 0) {
      Insert(slot.hash, slot.seq);
    }
  }
}

void KeyIndex::Remember(std::string_view key, uint64_t seq, int64_t at_ms) {
  ENTREPOT_CHECK(seq > 0);
  const uint64_t hash = Hash(key);
  if (arrivals_.size() == window_) {
    // The window is full: forget the oldest arrival, unless a newer one reused its hash.
    const Arrival oldest = arrivals_[next_];
    size_t slot = Probe(oldest.hash);
    if (slots_[slot].hash == oldest.hash && slots_[slot].seq == oldest.seq) {
      Erase(slot);
    }
    forgotten_until_ms_ = std::max(forgotten_until_ms_, oldest.at_ms);
    arrivals_[next_] = Arrival{hash, seq, at_ms};
    next_ = (next_ + 1) % window_;
  } else {
    arrivals_.push_back(Arrival{hash, seq, at_ms});
  }
  if ((size_ + 1) * 2 > slots_.size()) {
    Grow();
  }
  Insert(hash, seq);
}

}  // namespace entrepot::core
