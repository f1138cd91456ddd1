#include "entrepot/core/order_book.h"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>

#include "entrepot/base/check.h"

namespace entrepot::core {

std::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kOpen:
      return "open";
    case OrderStatus::kReleased:
      return "released";
    case OrderStatus::kPicked:
      return "picked";
    case OrderStatus::kPacked:
      return "packed";
    case OrderStatus::kShipped:
      return "shipped";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kShort:
      return "short";
    case OrderStatus::kDelivered:
      return "delivered";
  }
  return "unknown";
}

OrderStatus OrderState::Status() const {
  if (cancelled) {
    return OrderStatus::kCancelled;
  }
  if (!released) {
    return OrderStatus::kOpen;
  }
  int64_t allocated = 0, picked = 0, shorted = 0, packed = 0, shipped = 0;
  for (const OrderLineState& line : lines) {
    allocated += line.allocated;
    picked += line.picked;
    shorted += line.shorted;
    packed += line.packed;
    shipped += line.shipped;
  }
  if (picked + shorted < allocated) {
    return OrderStatus::kReleased;
  }
  if (picked == 0) {
    return shorted > 0 ? OrderStatus::kShort : OrderStatus::kReleased;
  }
  if (packed < picked) {
    return OrderStatus::kPicked;
  }
  if (shipped < packed) {
    return OrderStatus::kPacked;
  }
  // Delivered parcels are shipped ones: equal counts mean every shipped parcel arrived.
  return !shipped_parcels.empty() && delivered_parcels.size() == shipped_parcels.size()
             ? OrderStatus::kDelivered
             : OrderStatus::kShipped;
}

int64_t OrderState::Units() const {
  int64_t units = 0;
  for (const OrderLineState& line : lines) {
    units += line.quantity;
  }
  return units;
}

const OrderLineState* OrderState::Line(std::string_view gtin) const {
  for (const OrderLineState& line : lines) {
    if (line.gtin == gtin) {
      return &line;
    }
  }
  return nullptr;
}

template <typename Change>
void OrderBook::ChangeLine(OrderState& order, size_t line, Change change) {
  OrderLineState& state = order.lines.at(line);
  int64_t& reserved = reserved_[state.gtin];
  reserved -= order.cancelled ? 0 : state.Outstanding();
  change(state);
  reserved += order.cancelled ? 0 : state.Outstanding();
  ENTREPOT_CHECK(reserved >= 0);
  if (reserved == 0) {
    reserved_.erase(state.gtin);  // No zero entries: a decoded book compares equal.
  }
}

void OrderBook::OnPickableStock(const std::string& gtin, int64_t delta) {
  auto [it, inserted] = pickable_.try_emplace(gtin, 0);
  it->second += delta;
  if (it->second == 0) {
    pickable_.erase(it);
  }
}

size_t OrderBook::LineIndex(const OrderState& order, const std::string& gtin) const {
  for (size_t i = 0; i < order.lines.size(); ++i) {
    if (order.lines[i].gtin == gtin) {
      return i;
    }
  }
  ENTREPOT_CHECK(false);
  return 0;
}

void OrderBook::Apply(const Event& event) {
  std::visit(
      [this](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, OrderPlaced>) {
          Place(e);
        } else if constexpr (std::is_same_v<T, OrderCancelled>) {
          Cancel(e);
        } else if constexpr (std::is_same_v<T, OrderReleased>) {
          Release(e);
        } else if constexpr (std::is_same_v<T, BatchAssigned>) {
          batches_.at(e.batch).device = e.device;
          device_batches_[e.device] = e.batch;
        } else if constexpr (std::is_same_v<T, ToteAssigned>) {
          orders_.at(e.order).tote = e.tote;
          totes_[e.tote] = e.order;
        } else if constexpr (std::is_same_v<T, TaskProgressed>) {
          Progress(e);
        } else if constexpr (std::is_same_v<T, OrderPacked>) {
          Pack(e);
        } else if constexpr (std::is_same_v<T, CarrierDefined>) {
          carriers_[e.carrier] = e.doors;
        } else if constexpr (std::is_same_v<T, ReceiptExpected>) {
          ReceiptState& receipt = receipts_[e.receipt];
          receipt =
              ReceiptState{e.receipt, e.supplier, e.expected_at_ms, {}, e.containers, {}, false};
          for (const OrderLine& line : e.lines) {
            receipt.lines.push_back(ReceiptLineState{line.gtin, line.quantity, 0});
          }
          for (const std::string& container : e.containers) {
            receipt_containers_[container] = e.receipt;
          }
        } else if constexpr (std::is_same_v<T, ReceiptClosed>) {
          ReceiptState& receipt = receipts_.at(e.receipt);
          receipt.closed = true;
          for (const std::string& container : receipt.containers) {
            receipt_containers_.erase(container);
          }
        } else if constexpr (std::is_same_v<T, ReturnReceived>) {
          Return(e);
        } else if constexpr (std::is_same_v<T, DeliveriesConfirmed>) {
          Deliver(e);
        } else if constexpr (std::is_same_v<T, LoadOpened>) {
          loads_[e.load] = LoadState{e.load, e.door, e.carrier, e.opened_at_ms, 0, {}};
          door_loads_[e.door] = e.load;
        } else if constexpr (std::is_same_v<T, LoadClosed>) {
          LoadState& load = loads_.at(e.load);
          load.departed_at_ms = e.departed_at_ms;
          door_loads_.erase(load.door);
        } else if constexpr (std::is_same_v<T, PickFaceDefined>) {
          if (e.max == 0) {
            pick_faces_.erase(e.location);
          } else {
            pick_faces_[e.location] = e;
          }
        }
      },
      event);
}

bool OrderBook::ValidReturn(const ReturnReceived& e) const {
  auto order = orders_.find(e.order);
  if (order == orders_.end()) {
    return false;
  }
  return std::all_of(e.lines.begin(), e.lines.end(), [&](const ReturnLine& line) {
    return order->second.Line(line.gtin) != nullptr;
  });
}

void OrderBook::Return(const ReturnReceived& e) {
  OrderState& order = orders_.at(e.order);
  for (const ReturnLine& line : e.lines) {
    order.lines[LineIndex(order, line.gtin)].returned += line.quantity;
  }
  order.returns.push_back(e.return_id);
  returns_[e.return_id] = e;
}

void OrderBook::Deliver(const DeliveriesConfirmed& e) {
  for (const std::string& parcel : e.parcels) {
    OrderState& order = orders_.at(parcels_.at(parcel));
    ENTREPOT_CHECK(order.shipped_parcels.contains(parcel));
    order.delivered_parcels[parcel] = ParcelDelivery{e.delivered_at_ms, e.by};
  }
}

void OrderBook::Place(const OrderPlaced& e) {
  auto [it, inserted] = orders_.try_emplace(e.order);
  OrderState& order = it->second;
  if (inserted) {
    order.id = e.order;
    order.number = ++orders_placed_;
  }
  ENTREPOT_CHECK(inserted != e.amendment);
  // An amendment replaces the lines: take the old reservations out first.
  for (size_t i = 0; i < order.lines.size(); ++i) {
    ChangeLine(order, i, [](OrderLineState& line) { line.reserved = 0; });
  }
  order.carrier = e.carrier;
  order.cutoff_ms = e.cutoff_ms;
  order.priority = e.priority;
  std::vector<OrderLineState> old = std::move(order.lines);
  order.lines.clear();
  for (const OrderLine& line : e.lines) {
    OrderLineState state;
    state.gtin = line.gtin;
    state.quantity = line.quantity;
    for (const OrderLineState& before : old) {
      if (before.gtin == line.gtin) {  // Progress made on a line survives its amendment.
        state = before;
        state.quantity = line.quantity;
        state.reserved = 0;
      }
    }
    order.lines.push_back(std::move(state));
    ChangeLine(order, order.lines.size() - 1,
               [&line](OrderLineState& added) { added.reserved = line.reserved; });
  }
}

void OrderBook::Cancel(const OrderCancelled& e) {
  OrderState& order = orders_.at(e.order);
  for (size_t i = 0; i < order.lines.size(); ++i) {
    ChangeLine(order, i, [](OrderLineState& line) { line.reserved = 0; });
  }
  order.cancelled = true;
  for (auto& [id, task] : tasks_) {
    if (task.task.order == e.order && task.Remaining() > 0) {
      CloseTask(task);
      task.shorted = task.task.quantity - task.picked;  // Nothing more will be picked.
    }
  }
  if (!order.tote.empty()) {
    totes_.erase(order.tote);
  }
}

void OrderBook::Release(const OrderReleased& e) {
  OrderState& order = orders_.at(e.order);
  order.released = true;
  order.batch = e.batch;
  ENTREPOT_CHECK(e.reserved.size() == order.lines.size());
  for (size_t i = 0; i < order.lines.size(); ++i) {
    ChangeLine(order, i, [&](OrderLineState& line) { line.reserved = e.reserved[i]; });
  }
  auto [batch, created] = batches_.try_emplace(e.batch);
  if (created) {
    batch->second.number = ++batches_released_;
  }
  batch->second.orders.push_back(e.order);
  for (const PickTask& task : e.tasks) {
    ENTREPOT_CHECK(task.id > last_task_id_);
    last_task_id_ = task.id;
    tasks_[task.id] = TaskState{task, e.batch, 0, 0};
    allocated_[{task.location, task.item}] += task.quantity;
    order.lines[LineIndex(order, task.item.gtin)].allocated += task.quantity;
    batch->second.tasks.push_back(task.id);
  }
  std::vector<uint64_t>& tasks = batch->second.tasks;
  std::sort(tasks.begin(), tasks.end(), [this](uint64_t a, uint64_t b) {
    const PickTask& x = tasks_.at(a).task;
    const PickTask& y = tasks_.at(b).task;
    return std::tie(x.location, x.id) < std::tie(y.location, y.id);
  });
}

void OrderBook::CloseTask(const TaskState& task) {
  auto allocated = allocated_.find({task.task.location, task.task.item});
  ENTREPOT_CHECK(allocated != allocated_.end() && allocated->second >= task.Remaining());
  allocated->second -= task.Remaining();
  if (allocated->second == 0) {
    allocated_.erase(allocated);
  }
}

void OrderBook::Progress(const TaskProgressed& e) {
  TaskState& task = tasks_.at(e.task);
  ENTREPOT_CHECK(e.picked >= 0 && e.shorted >= 0 && e.picked + e.shorted <= task.Remaining());
  auto allocated = allocated_.find({task.task.location, task.task.item});
  ENTREPOT_CHECK(allocated != allocated_.end());
  allocated->second -= e.picked + e.shorted;
  if (allocated->second == 0) {
    allocated_.erase(allocated);
  }
  task.picked += e.picked;
  task.shorted += e.shorted;
  OrderState& order = orders_.at(task.task.order);
  ChangeLine(order, LineIndex(order, task.task.item.gtin), [&e](OrderLineState& line) {
    line.picked += e.picked;
    line.shorted += e.shorted;
  });
  // A batch whose tasks are all done frees its device.
  BatchState& batch = batches_.at(task.batch);
  bool done = std::all_of(batch.tasks.begin(), batch.tasks.end(),
                          [this](uint64_t id) { return tasks_.at(id).Remaining() == 0; });
  if (done && !batch.device.empty()) {
    device_batches_.erase(batch.device);
  }
}

void OrderBook::Pack(const OrderPacked& e) {
  OrderState& order = orders_.at(e.order);
  order.parcels[e.parcel][e.gtin] += e.quantity;
  parcels_[e.parcel] = e.order;
  order.lines[LineIndex(order, e.gtin)].packed += e.quantity;
  int64_t picked = 0, packed = 0;
  for (const OrderLineState& line : order.lines) {
    picked += line.picked;
    packed += line.packed;
  }
  if (packed >= picked && order.Status() != OrderStatus::kReleased && !order.tote.empty()) {
    totes_.erase(order.tote);  // Emptied: the tote may serve another order.
  }
}

void OrderBook::OnReceived(const std::string& container, const std::string& gtin, int64_t units) {
  auto found = receipt_containers_.find(container);
  if (found == receipt_containers_.end()) {
    return;
  }
  ReceiptState& receipt = receipts_.at(found->second);
  for (ReceiptLineState& line : receipt.lines) {
    if (line.gtin == gtin) {
      line.received += units;
      return;
    }
  }
  receipt.unexpected[gtin] += units;
}

const ReceiptState* OrderBook::FindReceipt(const std::string& id) const {
  auto it = receipts_.find(id);
  return it == receipts_.end() ? nullptr : &it->second;
}

const ReturnReceived* OrderBook::FindReturn(const std::string& id) const {
  auto it = returns_.find(id);
  return it == returns_.end() ? nullptr : &it->second;
}

const ReceiptState* OrderBook::ReceiptOfContainer(const std::string& container) const {
  auto it = receipt_containers_.find(container);
  return it == receipt_containers_.end() ? nullptr : FindReceipt(it->second);
}

void OrderBook::OnContainerShipped(const std::string& container) {
  auto parcel = parcels_.find(container);
  if (parcel == parcels_.end()) {
    return;
  }
  OrderState& order = orders_.at(parcel->second);
  if (!order.shipped_parcels.insert(container).second) {
    return;
  }
  for (const auto& [gtin, units] : order.parcels.at(container)) {
    order.lines[LineIndex(order, gtin)].shipped += units;
  }
}

void OrderBook::OnShippedThrough(const std::string& container, const std::string& door) {
  auto load = door_loads_.find(door);
  if (load != door_loads_.end()) {
    loads_.at(load->second).containers.push_back(container);
  }
}

const LoadState* OrderBook::FindLoad(const std::string& id) const {
  auto it = loads_.find(id);
  return it == loads_.end() ? nullptr : &it->second;
}

const LoadState* OrderBook::OpenLoadAt(const std::string& door) const {
  auto it = door_loads_.find(door);
  return it == door_loads_.end() ? nullptr : FindLoad(it->second);
}

const OrderState* OrderBook::FindOrder(const std::string& id) const {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

const TaskState* OrderBook::FindTask(uint64_t id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

const BatchState* OrderBook::FindBatch(const std::string& id) const {
  auto it = batches_.find(id);
  return it == batches_.end() ? nullptr : &it->second;
}

const OrderState* OrderBook::OrderOfTote(const std::string& tote) const {
  auto it = totes_.find(tote);
  return it == totes_.end() ? nullptr : FindOrder(it->second);
}

const OrderState* OrderBook::OrderOfParcel(const std::string& parcel) const {
  auto it = parcels_.find(parcel);
  return it == parcels_.end() ? nullptr : FindOrder(it->second);
}

std::string OrderBook::BatchOfDevice(const std::string& device) const {
  auto it = device_batches_.find(device);
  return it == device_batches_.end() ? "" : it->second;
}

const std::vector<std::string>* OrderBook::CarrierDoors(const std::string& carrier) const {
  auto it = carriers_.find(carrier);
  return it == carriers_.end() ? nullptr : &it->second;
}

int64_t OrderBook::Pickable(const std::string& gtin) const {
  auto it = pickable_.find(gtin);
  return it == pickable_.end() ? 0 : it->second;
}

int64_t OrderBook::Reserved(const std::string& gtin) const {
  auto it = reserved_.find(gtin);
  return it == reserved_.end() ? 0 : it->second;
}

int64_t OrderBook::AllocatedAt(const std::string& location, const domain::ItemKey& item) const {
  auto it = allocated_.find(BinLineView{location, &item});
  return it == allocated_.end() ? 0 : it->second;
}

// --- Snapshot encoding -------------------------------------------------------------------
// Only what cannot be derived is written: the orders as their events would rebuild them,
// tasks, batches, totes and carriers. Reservations and allocations are recomputed from the
// orders and tasks; pickable stock is fed back by SiteState::Decode.

void OrderBook::Encode(ByteWriter& out) const {
  out.Varint(orders_placed_);
  out.Varint(batches_released_);
  out.Varint(last_task_id_);
  out.Varint(orders_.size());
  for (const auto& [id, order] : orders_) {
    out.String(id);
    out.String(order.carrier);
    out.Signed(order.cutoff_ms);
    out.Signed(order.priority);
    out.Varint(order.number);
    out.U8(static_cast<uint8_t>(order.released) | static_cast<uint8_t>(order.cancelled << 1));
    out.String(order.batch);
    out.String(order.tote);
    out.Varint(order.lines.size());
    for (const OrderLineState& line : order.lines) {
      out.String(line.gtin);
      for (int64_t value : {line.quantity, line.reserved, line.allocated, line.picked, line.shorted,
                            line.packed, line.shipped}) {
        out.Signed(value);
      }
    }
    out.Varint(order.parcels.size());
    for (const auto& [parcel, units] : order.parcels) {
      out.String(parcel);
      // Bit 0: shipped; bit 1 (format 4): delivered, its time and partner follow.
      auto delivery = order.delivered_parcels.find(parcel);
      const bool delivered = delivery != order.delivered_parcels.end();
      out.U8(static_cast<uint8_t>(order.shipped_parcels.contains(parcel)) |
             static_cast<uint8_t>(delivered << 1));
      if (delivered) {
        out.Signed(delivery->second.at_ms);
        out.String(delivery->second.by);
      }
      out.Varint(units.size());
      for (const auto& [gtin, quantity] : units) {
        out.String(gtin);
        out.Signed(quantity);
      }
    }
  }
  out.Varint(tasks_.size());
  for (const auto& [id, task] : tasks_) {
    EncodePickTask(out, task.task);
    out.String(task.batch);
    out.Signed(task.picked);
    out.Signed(task.shorted);
  }
  out.Varint(batches_.size());
  for (const auto& [id, batch] : batches_) {
    out.String(id);
    out.String(batch.device);
    out.Varint(batch.number);
    out.Varint(batch.orders.size());
    for (const std::string& order : batch.orders) {
      out.String(order);
    }
    out.Varint(batch.tasks.size());
    for (uint64_t task : batch.tasks) {
      out.Varint(task);
    }
  }
  out.Varint(totes_.size());
  for (const auto& [tote, order] : totes_) {
    out.String(tote);
    out.String(order);
  }
  out.Varint(carriers_.size());
  for (const auto& [carrier, doors] : carriers_) {
    out.String(carrier);
    out.Varint(doors.size());
    for (const std::string& door : doors) {
      out.String(door);
    }
  }
  out.Varint(receipts_.size());
  for (const auto& [id, receipt] : receipts_) {
    out.String(id);
    out.String(receipt.supplier);
    out.Signed(receipt.expected_at_ms);
    out.U8(static_cast<uint8_t>(receipt.closed));
    out.Varint(receipt.lines.size());
    for (const ReceiptLineState& line : receipt.lines) {
      out.String(line.gtin);
      out.Signed(line.expected);
      out.Signed(line.received);
    }
    out.Varint(receipt.containers.size());
    for (const std::string& container : receipt.containers) {
      out.String(container);
    }
    out.Varint(receipt.unexpected.size());
    for (const auto& [gtin, units] : receipt.unexpected) {
      out.String(gtin);
      out.Signed(units);
    }
  }
  out.Varint(returns_.size());
  for (const auto& [id, returned] : returns_) {
    out.String(returned.return_id);
    out.String(returned.order);
    out.String(returned.location);
    EncodeReturnLines(out, returned.lines);
  }
  out.Varint(pick_faces_.size());
  for (const auto& [code, face] : pick_faces_) {
    out.String(face.location);
    out.String(face.gtin);
    out.Signed(face.min);
    out.Signed(face.max);
  }
  out.Varint(loads_.size());
  for (const auto& [id, load] : loads_) {
    out.String(id);
    out.String(load.door);
    out.String(load.carrier);
    out.Signed(load.opened_at_ms);
    out.Signed(load.departed_at_ms);
    out.Varint(load.containers.size());
    for (const std::string& container : load.containers) {
      out.String(container);
    }
  }
}

// Format 5's loads; false (and `in` failed) when two open loads share a door.
bool OrderBook::DecodeLoads(ByteReader& in) {
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    LoadState load;
    load.id = in.String();
    load.door = in.String();
    load.carrier = in.String();
    load.opened_at_ms = in.Signed();
    load.departed_at_ms = in.Signed();
    for (uint64_t count = in.Count(); count > 0 && in.ok(); --count) {
      load.containers.push_back(in.String());
    }
    if (load.open() && !door_loads_.emplace(load.door, load.id).second) {
      in.Fail();
      return false;
    }
    loads_[load.id] = std::move(load);
  }
  return in.ok();
}

OrderBook OrderBook::Decode(ByteReader& in, uint8_t format) {
  OrderBook book;
  book.orders_placed_ = in.Varint();
  book.batches_released_ = in.Varint();
  book.last_task_id_ = in.Varint();
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    OrderState order;
    order.id = in.String();
    order.carrier = in.String();
    order.cutoff_ms = in.Signed();
    order.priority = static_cast<int32_t>(in.Signed());
    order.number = in.Varint();
    uint8_t flags = in.U8();
    order.released = (flags & 1) != 0;
    order.cancelled = (flags & 2) != 0;
    order.batch = in.String();
    order.tote = in.String();
    for (uint64_t lines = in.Count(); lines > 0 && in.ok(); --lines) {
      OrderLineState line;
      line.gtin = in.String();
      for (int64_t* value : {&line.quantity, &line.reserved, &line.allocated, &line.picked,
                             &line.shorted, &line.packed, &line.shipped}) {
        *value = in.Signed();
      }
      if (!order.cancelled && line.Outstanding() > 0) {
        book.reserved_[line.gtin] += line.Outstanding();
      }
      order.lines.push_back(std::move(line));
    }
    for (uint64_t parcels = in.Count(); parcels > 0 && in.ok(); --parcels) {
      std::string parcel = in.String();
      const uint8_t parcel_flags = in.U8();
      // A delivered parcel was shipped; older formats know no deliveries.
      if (parcel_flags > 3 || parcel_flags == 2 || (format < 4 && parcel_flags > 1)) {
        in.Fail();
        break;
      }
      if ((parcel_flags & 1) != 0) {
        order.shipped_parcels.insert(parcel);
      }
      if ((parcel_flags & 2) != 0) {
        ParcelDelivery& delivery = order.delivered_parcels[parcel];
        delivery.at_ms = in.Signed();
        delivery.by = in.String();
      }
      auto& units = order.parcels[parcel];
      for (uint64_t gtins = in.Count(); gtins > 0 && in.ok(); --gtins) {
        std::string gtin = in.String();
        units[gtin] = in.Signed();
      }
      book.parcels_[parcel] = order.id;
    }
    book.orders_[order.id] = std::move(order);
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    TaskState task;
    task.task = DecodePickTask(in);
    task.batch = in.String();
    task.picked = in.Signed();
    task.shorted = in.Signed();
    if (task.Remaining() > 0) {
      book.allocated_[{task.task.location, task.task.item}] += task.Remaining();
    }
    book.tasks_[task.task.id] = std::move(task);
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    std::string id = in.String();
    BatchState batch;
    batch.device = in.String();
    batch.number = in.Varint();
    for (uint64_t orders = in.Count(); orders > 0 && in.ok(); --orders) {
      batch.orders.push_back(in.String());
    }
    bool open = false;
    for (uint64_t tasks = in.Count(); tasks > 0 && in.ok(); --tasks) {
      uint64_t task = in.Varint();
      auto found = book.tasks_.find(task);
      open = open || (found != book.tasks_.end() && found->second.Remaining() > 0);
      batch.tasks.push_back(task);
    }
    if (open && !batch.device.empty()) {
      book.device_batches_[batch.device] = id;
    }
    book.batches_[id] = std::move(batch);
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    std::string tote = in.String();
    book.totes_[tote] = in.String();
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    std::string carrier = in.String();
    auto& doors = book.carriers_[carrier];
    for (uint64_t count = in.Count(); count > 0 && in.ok(); --count) {
      doors.push_back(in.String());
    }
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    ReceiptState receipt;
    receipt.id = in.String();
    receipt.supplier = in.String();
    receipt.expected_at_ms = in.Signed();
    receipt.closed = in.U8() != 0;
    for (uint64_t lines = in.Count(); lines > 0 && in.ok(); --lines) {
      ReceiptLineState line;
      line.gtin = in.String();
      line.expected = in.Signed();
      line.received = in.Signed();
      receipt.lines.push_back(std::move(line));
    }
    for (uint64_t count = in.Count(); count > 0 && in.ok(); --count) {
      receipt.containers.push_back(in.String());
      if (!receipt.closed) {
        book.receipt_containers_[receipt.containers.back()] = receipt.id;
      }
    }
    for (uint64_t count = in.Count(); count > 0 && in.ok(); --count) {
      std::string gtin = in.String();
      receipt.unexpected[gtin] = in.Signed();
    }
    book.receipts_[receipt.id] = std::move(receipt);
  }
  if (format >= 3) {
    for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
      ReturnReceived e;
      e.return_id = in.String();
      e.order = in.String();
      e.location = in.String();
      e.lines = DecodeReturnLines(in);
      if (!book.ValidReturn(e)) {
        in.Fail();
        break;
      }
      book.Return(e);  // Also counts the units returned on the order's lines.
    }
    for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
      PickFaceDefined face;
      face.location = in.String();
      face.gtin = in.String();
      face.min = in.Signed();
      face.max = in.Signed();
      book.pick_faces_[face.location] = std::move(face);
    }
  }
  if (format >= 5) {
    book.DecodeLoads(in);
  }
  return book;
}

}  // namespace entrepot::core
