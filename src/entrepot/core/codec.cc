#include "entrepot/core/codec.h"

#include <type_traits>
#include <utility>

namespace entrepot::core {
namespace {

constexpr uint8_t kEntryFormat = 1;

template <typename Enum>
Enum DecodeEnum(ByteReader& in, int count) {
  uint8_t raw = in.U8();
  if (raw >= count) {
    in.Fail();
    return Enum{};
  }
  return static_cast<Enum>(raw);
}

OrderPlaced DecodeOrderPlaced(ByteReader& in) {
  OrderPlaced e;
  e.order = in.String();
  e.carrier = in.String();
  e.cutoff_ms = in.Signed();
  e.priority = static_cast<int32_t>(in.Signed());
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    OrderLine line;
    line.gtin = in.String();
    line.quantity = in.Signed();
    line.reserved = in.Signed();
    e.lines.push_back(std::move(line));
  }
  e.amendment = in.U8() != 0;
  return e;
}

void EncodeEvent(ByteWriter& out, const Event& event) {
  out.U8(static_cast<uint8_t>(event.index()));
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, SiteDefined>) {
          out.String(e.code);
          out.String(e.name);
        } else if constexpr (std::is_same_v<T, ZoneDefined>) {
          out.String(e.zone.code);
          out.String(e.zone.name);
        } else if constexpr (std::is_same_v<T, LocationDefined>) {
          EncodeLocation(out, e.location);
        } else if constexpr (std::is_same_v<T, ProductDefined>) {
          out.String(e.product.gtin);
          out.String(e.product.description);
          out.String(e.product.home_zone);
        } else if constexpr (std::is_same_v<T, ContainerRegistered>) {
          out.String(e.container);
          out.U8(static_cast<uint8_t>(e.type));
        } else if constexpr (std::is_same_v<T, UnitsReceived>) {
          EncodeItem(out, e.item);
          out.Signed(e.quantity);
          EncodeHolder(out, e.to);
        } else if constexpr (std::is_same_v<T, UnitsMoved>) {
          EncodeItem(out, e.item);
          out.Signed(e.quantity);
          EncodeHolder(out, e.from);
          EncodeHolder(out, e.to);
        } else if constexpr (std::is_same_v<T, ContainerMoved>) {
          out.String(e.container);
          EncodeHolder(out, e.to);
        } else if constexpr (std::is_same_v<T, ContainerShipped>) {
          out.String(e.container);
          out.String(e.door);
        } else if constexpr (std::is_same_v<T, StockAdjusted>) {
          EncodeItem(out, e.item);
          EncodeHolder(out, e.holder);
          out.Signed(e.delta);
          out.String(e.reason);
        } else if constexpr (std::is_same_v<T, LocationFlagged>) {
          out.String(e.location);
          out.String(e.reason);
        } else if constexpr (std::is_same_v<T, LocationCounted>) {
          out.String(e.location);
        } else if constexpr (std::is_same_v<T, DeviceStateChanged>) {
          out.String(e.device);
          EncodeDeviceState(out, e.state);
        } else if constexpr (std::is_same_v<T, OrderPlaced>) {
          out.String(e.order);
          out.String(e.carrier);
          out.Signed(e.cutoff_ms);
          out.Signed(e.priority);
          out.Varint(e.lines.size());
          for (const OrderLine& line : e.lines) {
            out.String(line.gtin);
            out.Signed(line.quantity);
            out.Signed(line.reserved);
          }
          out.U8(static_cast<uint8_t>(e.amendment));
        } else if constexpr (std::is_same_v<T, OrderCancelled>) {
          out.String(e.order);
        } else if constexpr (std::is_same_v<T, OrderReleased>) {
          out.String(e.order);
          out.String(e.batch);
          out.Varint(e.reserved.size());
          for (int64_t reserved : e.reserved) {
            out.Signed(reserved);
          }
          out.Varint(e.tasks.size());
          for (const PickTask& task : e.tasks) {
            EncodePickTask(out, task);
          }
        } else if constexpr (std::is_same_v<T, BatchAssigned>) {
          out.String(e.batch);
          out.String(e.device);
        } else if constexpr (std::is_same_v<T, ToteAssigned>) {
          out.String(e.tote);
          out.String(e.order);
        } else if constexpr (std::is_same_v<T, TaskProgressed>) {
          out.Varint(e.task);
          out.Signed(e.picked);
          out.Signed(e.shorted);
        } else if constexpr (std::is_same_v<T, OrderPacked>) {
          out.String(e.order);
          out.String(e.parcel);
          out.String(e.gtin);
          out.Signed(e.quantity);
        } else if constexpr (std::is_same_v<T, CarrierDefined>) {
          out.String(e.carrier);
          out.Varint(e.doors.size());
          for (const std::string& door : e.doors) {
            out.String(door);
          }
        } else if constexpr (std::is_same_v<T, ReceiptExpected>) {
          out.String(e.receipt);
          out.String(e.supplier);
          out.Signed(e.expected_at_ms);
          out.Varint(e.lines.size());
          for (const OrderLine& line : e.lines) {
            out.String(line.gtin);
            out.Signed(line.quantity);
          }
          out.Varint(e.containers.size());
          for (const std::string& container : e.containers) {
            out.String(container);
          }
        } else if constexpr (std::is_same_v<T, ReceiptClosed>) {
          out.String(e.receipt);
        } else if constexpr (std::is_same_v<T, PickFaceDefined>) {
          out.String(e.location);
          out.String(e.gtin);
          out.Signed(e.min);
          out.Signed(e.max);
        } else if constexpr (std::is_same_v<T, ReturnReceived>) {
          out.String(e.return_id);
          out.String(e.order);
          out.String(e.location);
          EncodeReturnLines(out, e.lines);
        } else if constexpr (std::is_same_v<T, DeliveriesConfirmed>) {
          out.Varint(e.parcels.size());
          for (const std::string& parcel : e.parcels) {
            out.String(parcel);
          }
          out.Signed(e.delivered_at_ms);
          out.String(e.by);
        } else if constexpr (std::is_same_v<T, LoadOpened>) {
          out.String(e.load);
          out.String(e.door);
          out.String(e.carrier);
          out.Signed(e.opened_at_ms);
        } else if constexpr (std::is_same_v<T, LoadClosed>) {
          out.String(e.load);
          out.Signed(e.departed_at_ms);
        } else {
          static_assert(sizeof(T) == 0, "event without encoding");
        }
      },
      event);
}

Event DecodeEvent(ByteReader& in) {
  switch (in.U8()) {
    case 0:
      return SiteDefined{in.String(), in.String()};
    case 1: {
      domain::Zone zone;
      zone.code = in.String();
      zone.name = in.String();
      return ZoneDefined{std::move(zone)};
    }
    case 2:
      return LocationDefined{DecodeLocation(in)};
    case 3: {
      domain::Product product;
      product.gtin = in.String();
      product.description = in.String();
      product.home_zone = in.String();
      return ProductDefined{std::move(product)};
    }
    case 4: {
      ContainerRegistered e;
      e.container = in.String();
      e.type = DecodeEnum<domain::ContainerType>(in, 5);
      return e;
    }
    case 5: {
      UnitsReceived e;
      e.item = DecodeItem(in);
      e.quantity = in.Signed();
      e.to = DecodeHolder(in);
      return e;
    }
    case 6: {
      UnitsMoved e;
      e.item = DecodeItem(in);
      e.quantity = in.Signed();
      e.from = DecodeHolder(in);
      e.to = DecodeHolder(in);
      return e;
    }
    case 7: {
      ContainerMoved e;
      e.container = in.String();
      e.to = DecodeHolder(in);
      return e;
    }
    case 8:
      return ContainerShipped{in.String(), in.String()};
    case 9: {
      StockAdjusted e;
      e.item = DecodeItem(in);
      e.holder = DecodeHolder(in);
      e.delta = in.Signed();
      e.reason = in.String();
      return e;
    }
    case 10:
      return LocationFlagged{in.String(), in.String()};
    case 11:
      return LocationCounted{in.String()};
    case 12: {
      DeviceStateChanged e;
      e.device = in.String();
      e.state = DecodeDeviceState(in);
      return e;
    }
    case 13:
      return DecodeOrderPlaced(in);
    case 14:
      return OrderCancelled{in.String()};
    case 15: {
      OrderReleased e;
      e.order = in.String();
      e.batch = in.String();
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        e.reserved.push_back(in.Signed());
      }
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        e.tasks.push_back(DecodePickTask(in));
      }
      return e;
    }
    case 16:
      return BatchAssigned{in.String(), in.String()};
    case 17:
      return ToteAssigned{in.String(), in.String()};
    case 18: {
      TaskProgressed e;
      e.task = in.Varint();
      e.picked = in.Signed();
      e.shorted = in.Signed();
      return e;
    }
    case 19: {
      OrderPacked e;
      e.order = in.String();
      e.parcel = in.String();
      e.gtin = in.String();
      e.quantity = in.Signed();
      return e;
    }
    case 20: {
      CarrierDefined e;
      e.carrier = in.String();
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        e.doors.push_back(in.String());
      }
      return e;
    }
    case 21: {
      ReceiptExpected e;
      e.receipt = in.String();
      e.supplier = in.String();
      e.expected_at_ms = in.Signed();
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        OrderLine line;
        line.gtin = in.String();
        line.quantity = in.Signed();
        e.lines.push_back(std::move(line));
      }
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        e.containers.push_back(in.String());
      }
      return e;
    }
    case 22:
      return ReceiptClosed{in.String()};
    case 24: {
      PickFaceDefined e;
      e.location = in.String();
      e.gtin = in.String();
      e.min = in.Signed();
      e.max = in.Signed();
      return e;
    }
    case 23: {
      ReturnReceived e;
      e.return_id = in.String();
      e.order = in.String();
      e.location = in.String();
      e.lines = DecodeReturnLines(in);
      return e;
    }
    case 25: {
      DeliveriesConfirmed e;
      for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
        e.parcels.push_back(in.String());
      }
      e.delivered_at_ms = in.Signed();
      e.by = in.String();
      return e;
    }
    case 26: {
      LoadOpened e;
      e.load = in.String();
      e.door = in.String();
      e.carrier = in.String();
      e.opened_at_ms = in.Signed();
      return e;
    }
    case 27: {
      LoadClosed e;
      e.load = in.String();
      e.departed_at_ms = in.Signed();
      return e;
    }
    default:
      in.Fail();
      return LocationCounted{};
  }
}

}  // namespace

void ByteWriter::Varint(uint64_t value) {
  // One append of a local buffer: a push_back per byte costs a capacity check each.
  char buffer[10];
  size_t size = 0;
  while (value >= 0x80) {
    buffer[size++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  buffer[size++] = static_cast<char>(value);
  out_.append(buffer, size);
}

uint8_t ByteReader::U8() {
  if (!ok_ || in_.empty()) {
    ok_ = false;
    return 0;
  }
  auto value = static_cast<uint8_t>(in_.front());
  in_.remove_prefix(1);
  return value;
}

uint64_t ByteReader::Varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t byte = U8();
    if (!ok_) {
      return 0;
    }
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return value;
    }
  }
  ok_ = false;
  return 0;
}

std::string ByteReader::String() {
  uint64_t size = Varint();
  if (!ok_ || size > in_.size()) {
    ok_ = false;
    return {};
  }
  std::string value(in_.substr(0, size));
  in_.remove_prefix(size);
  return value;
}

uint64_t ByteReader::Count() {
  uint64_t count = Varint();
  if (count > in_.size()) {
    ok_ = false;
    return 0;
  }
  return count;
}

void EncodeItem(ByteWriter& out, const domain::ItemKey& item) {
  out.String(item.gtin);
  out.String(item.lot);
  out.String(item.expiry);
  out.String(item.serial);
}

domain::ItemKey DecodeItem(ByteReader& in) {
  domain::ItemKey item;
  item.gtin = in.String();
  item.lot = in.String();
  item.expiry = in.String();
  item.serial = in.String();
  return item;
}

void EncodeHolder(ByteWriter& out, const domain::Holder& holder) {
  out.U8(static_cast<uint8_t>(holder.kind));
  out.String(holder.id);
}

domain::Holder DecodeHolder(ByteReader& in) {
  domain::Holder holder;
  holder.kind = DecodeEnum<domain::Holder::Kind>(in, 2);
  holder.id = in.String();
  return holder;
}

void EncodePickTask(ByteWriter& out, const PickTask& task) {
  out.Varint(task.id);
  out.String(task.order);
  out.String(task.location);
  EncodeItem(out, task.item);
  out.Signed(task.quantity);
}

PickTask DecodePickTask(ByteReader& in) {
  PickTask task;
  task.id = in.Varint();
  task.order = in.String();
  task.location = in.String();
  task.item = DecodeItem(in);
  task.quantity = in.Signed();
  return task;
}

void EncodeReturnLines(ByteWriter& out, const std::vector<ReturnLine>& lines) {
  out.Varint(lines.size());
  for (const ReturnLine& line : lines) {
    out.String(line.gtin);
    out.Signed(line.quantity);
    out.String(line.reason);
    out.U8(static_cast<uint8_t>(line.disposition));
  }
}

std::vector<ReturnLine> DecodeReturnLines(ByteReader& in) {
  std::vector<ReturnLine> lines;
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    ReturnLine line;
    line.gtin = in.String();
    line.quantity = in.Signed();
    line.reason = in.String();
    uint8_t disposition = in.U8();
    if (disposition >= kReturnDispositionCount) {
      in.Fail();
    }
    line.disposition = static_cast<ReturnDisposition>(disposition);
    lines.push_back(std::move(line));
  }
  return lines;
}

void EncodeDeviceState(ByteWriter& out, const DeviceState& state) {
  out.U8(static_cast<uint8_t>(state.mode));
  out.U8(static_cast<uint8_t>(state.has_source) | static_cast<uint8_t>(state.has_target << 1));
  EncodeHolder(out, state.source);
  EncodeHolder(out, state.target);
  out.Varint(state.pending.size());
  for (const domain::ItemKey& item : state.pending) {
    EncodeItem(out, item);
  }
  out.String(state.moving);
  out.Signed(state.last_stow_at_ms);
}

DeviceState DecodeDeviceState(ByteReader& in) {
  DeviceState state;
  state.mode = DecodeEnum<Mode>(in, kModeCount);
  uint8_t flags = in.U8();
  state.has_source = (flags & 1) != 0;
  state.has_target = (flags & 2) != 0;
  state.source = DecodeHolder(in);
  state.target = DecodeHolder(in);
  uint64_t pending = in.Count();
  for (uint64_t i = 0; i < pending && in.ok(); ++i) {
    state.pending.push_back(DecodeItem(in));
  }
  state.moving = in.String();
  state.last_stow_at_ms = in.Signed();
  return state;
}

void EncodeLocation(ByteWriter& out, const domain::Location& location) {
  out.String(location.code);
  out.String(location.zone);
  out.Signed(location.aisle);
  out.Signed(location.bay);
  out.Signed(location.level);
  out.Signed(location.position);
  out.U8(static_cast<uint8_t>(location.type));
  out.Signed(location.capacity_units);
}

domain::Location DecodeLocation(ByteReader& in) {
  domain::Location location;
  location.code = in.String();
  location.zone = in.String();
  location.aisle = static_cast<int32_t>(in.Signed());
  location.bay = static_cast<int32_t>(in.Signed());
  location.level = static_cast<int32_t>(in.Signed());
  location.position = static_cast<int32_t>(in.Signed());
  location.type = DecodeEnum<domain::LocationType>(in, 5);
  location.capacity_units = in.Signed();
  return location;
}

std::string EncodeEntry(const Entry& entry, std::string buffer) {
  ByteWriter out(std::move(buffer));
  out.bytes().reserve(256);  // A typical scan entry, so it is built without reallocation.
  out.U8(kEntryFormat);
  out.U8(static_cast<uint8_t>(entry.kind));
  out.String(entry.key);
  out.String(entry.device);
  out.U8(static_cast<uint8_t>(entry.mode));
  out.String(entry.code);
  out.Signed(entry.at_ms);
  out.U8(static_cast<uint8_t>(entry.reply.outcome));
  out.String(entry.reply.message);
  out.String(entry.reply.prompt);
  out.Varint(entry.events.size());
  for (const Event& event : entry.events) {
    EncodeEvent(out, event);
  }
  return std::move(out.bytes());
}

StatusOr<int64_t> DecodeEntryTime(std::string_view bytes) {
  // The fields before at_ms, in EncodeEntry's order.
  ByteReader in(bytes);
  bool known_format = in.U8() == kEntryFormat;
  in.U8();      // kind
  in.String();  // key
  in.String();  // device
  in.U8();      // mode
  in.String();  // code
  int64_t at_ms = in.Signed();
  if (!known_format || !in.ok()) {
    return Error(StatusCode::kDataLoss, "bad_entry", "entry bytes are truncated or malformed");
  }
  return at_ms;
}

StatusOr<Entry> DecodeEntry(std::string_view bytes) {
  ByteReader in(bytes);
  Entry entry;
  if (in.U8() != kEntryFormat) {
    return Error(StatusCode::kDataLoss, "bad_entry", "unknown entry format");
  }
  entry.kind = DecodeEnum<Entry::Kind>(in, 3);
  entry.key = in.String();
  entry.device = in.String();
  entry.mode = DecodeEnum<Mode>(in, kModeCount);
  entry.code = in.String();
  entry.at_ms = in.Signed();
  entry.reply.outcome = DecodeEnum<Outcome>(in, kOutcomeCount);
  entry.reply.message = in.String();
  entry.reply.prompt = in.String();
  uint64_t events = in.Count();
  entry.events.reserve(events);
  for (uint64_t i = 0; i < events && in.ok(); ++i) {
    entry.events.push_back(DecodeEvent(in));
  }
  if (!in.ok() || !in.AtEnd()) {
    return Error(StatusCode::kDataLoss, "bad_entry", "entry bytes are truncated or malformed");
  }
  return entry;
}

}  // namespace entrepot::core
