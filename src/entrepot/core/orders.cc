#include "entrepot/core/orders.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/container_id.h"

namespace entrepot::core {
namespace {

using domain::ItemKey;

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

bool IsIdentifier(const std::string& text, size_t max_length) {
  if (text.empty() || text.size() > max_length) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Status CheckTerms(const SiteState& state, const OrderTerms& terms) {
  if (!IsIdentifier(terms.id, kMaxOrderIdLength)) {
    return Invalid("bad_order_id",
                   "An order id is 1 to 64 letters, digits, '.', '_' or '-'; got '" +
                       terms.id.substr(0, 80) + "'.");
  }
  if (!IsIdentifier(terms.carrier, kMaxOrderIdLength)) {
    return Invalid("bad_carrier", "Order " + terms.id +
                                      ": a carrier code is 1 to 64 letters, digits, '.', '_' "
                                      "or '-'.");
  }
  if (terms.cutoff_ms <= 0) {
    return Invalid("bad_cutoff", "Order " + terms.id + " needs a ship-by cut-off time.");
  }
  if (terms.priority < 0 || terms.priority > kMaxOrderPriority) {
    return Invalid("bad_priority", "Order " + terms.id + ": priority is 0 to 100.");
  }
  if (terms.lines.empty()) {
    return Invalid("no_lines", "Order " + terms.id + " has no lines.");
  }
  if (terms.lines.size() > kMaxOrderLines) {
    return Invalid("too_many_lines", "Order " + terms.id + " has " +
                                         std::to_string(terms.lines.size()) +
                                         " lines; at most 500 are accepted: split it.");
  }
  std::set<std::string> seen;
  for (const OrderLineRequest& line : terms.lines) {
    if (state.FindProduct(line.gtin) == nullptr) {
      return Error(StatusCode::kNotFound, "unknown_product",
                   "Order " + terms.id + ": product " + line.gtin.substr(0, 40) +
                       " is not in the master data.");
    }
    if (line.quantity <= 0 || line.quantity > kMaxLineQuantity) {
      return Invalid("bad_quantity", "Order " + terms.id + ", product " + line.gtin +
                                         ": a quantity is 1 to 1,000,000.");
    }
    if (!seen.insert(line.gtin).second) {
      return Invalid("duplicate_line", "Order " + terms.id + " lists product " + line.gtin +
                                           " twice: give one line per product.");
    }
  }
  return OkStatus();
}

StatusOr<const OrderState*> FindChangeable(const OrderBook& book, const std::string& id) {
  const OrderState* order = book.FindOrder(id);
  if (order == nullptr) {
    return Error(StatusCode::kNotFound, "no_such_order", "There is no order " + id + ".");
  }
  if (order->cancelled) {
    return Error(StatusCode::kFailedPrecondition, "order_cancelled",
                 "Order " + id + " is cancelled.");
  }
  for (const OrderLineState& line : order->lines) {
    if (line.packed > 0) {
      return Error(StatusCode::kFailedPrecondition, "order_packed",
                   "Order " + id + " is already (partly) packed; it can no longer change.");
    }
  }
  return order;
}

// Reserves each line out of ATP (design note 1); `order` is the order being amended, if any.
OrderPlaced Reserve(const OrderBook& book, const OrderTerms& terms, const OrderState* order,
                    std::vector<Shortage>& shortages) {
  OrderPlaced placed{terms.id, terms.carrier,   terms.cutoff_ms, terms.priority,
                     {},       order != nullptr};
  for (const OrderLineRequest& request : terms.lines) {
    const OrderLineState* before = order == nullptr ? nullptr : order->Line(request.gtin);
    int64_t done = before == nullptr ? 0 : before->picked + before->shorted;
    int64_t own = before == nullptr ? 0 : before->Outstanding();
    int64_t available = std::max<int64_t>(0, book.Available(request.gtin) + own);
    int64_t reserved = std::min(request.quantity, done + available);
    if (order != nullptr && order->released && before != nullptr) {
      reserved = std::min(reserved, before->reserved);  // Released lines only shrink.
    }
    placed.lines.push_back(OrderLine{request.gtin, request.quantity, reserved});
    if (reserved < request.quantity) {
      shortages.push_back(Shortage{terms.id, request.gtin, request.quantity - reserved});
    }
  }
  return placed;
}

std::string ShortageText(const std::vector<Shortage>& shortages) {
  int64_t units = 0;
  for (const Shortage& shortage : shortages) {
    units += shortage.units;
  }
  return shortages.empty() ? "" : " " + std::to_string(units) + " units short.";
}

StatusOr<OrderDecision> Place(const SiteState& state, const PlaceOrder& command) {
  ENTREPOT_RETURN_IF_ERROR(CheckTerms(state, command.terms));
  if (state.orders().FindOrder(command.terms.id) != nullptr) {
    return Error(StatusCode::kAlreadyExists, "order_exists",
                 "Order " + command.terms.id + " exists already: amend it instead.");
  }
  OrderDecision decision;
  decision.events.push_back(Reserve(state.orders(), command.terms, nullptr, decision.shortages));
  decision.summary = "Order " + command.terms.id + " placed." + ShortageText(decision.shortages);
  return decision;
}

StatusOr<OrderDecision> Amend(const SiteState& state, const AmendOrder& command) {
  ENTREPOT_RETURN_IF_ERROR(CheckTerms(state, command.terms));
  ENTREPOT_ASSIGN_OR_RETURN(const OrderState* order,
                            FindChangeable(state.orders(), command.terms.id));
  if (order->released) {
    for (const OrderLineState& line : order->lines) {
      auto request = std::find_if(command.terms.lines.begin(), command.terms.lines.end(),
                                  [&line](const auto& r) { return r.gtin == line.gtin; });
      int64_t quantity = request == command.terms.lines.end() ? 0 : request->quantity;
      if (quantity < line.allocated) {
        return Error(StatusCode::kFailedPrecondition, "below_allocated",
                     "Order " + order->id + ", product " + line.gtin + ": " +
                         std::to_string(line.allocated) +
                         " units are already in pick tasks; the line cannot go below that.");
      }
      if (quantity > line.quantity) {
        return Error(StatusCode::kFailedPrecondition, "order_released",
                     "Order " + order->id +
                         " is released: its lines can only shrink; place "
                         "a new order for more.");
      }
    }
    if (command.terms.lines.size() > order->lines.size() ||
        std::any_of(command.terms.lines.begin(), command.terms.lines.end(),
                    [order](const auto& r) { return order->Line(r.gtin) == nullptr; })) {
      return Error(StatusCode::kFailedPrecondition, "order_released",
                   "Order " + order->id + " is released: no line can be added.");
    }
  }
  OrderDecision decision;
  decision.events.push_back(Reserve(state.orders(), command.terms, order, decision.shortages));
  decision.summary = "Order " + command.terms.id + " amended." + ShortageText(decision.shortages);
  return decision;
}

StatusOr<OrderDecision> Cancel(const SiteState& state, const CancelOrder& command) {
  ENTREPOT_ASSIGN_OR_RETURN(const OrderState* order, FindChangeable(state.orders(), command.id));
  OrderDecision decision;
  decision.events.push_back(OrderCancelled{order->id});
  decision.summary = "Order " + order->id + " cancelled.";
  if (!order->tote.empty()) {
    decision.summary += " Its tote " + order->tote + " holds picked units to put back.";
  }
  return decision;
}

// A stock line of a pickable bin, borrowed from the state for one release.
struct BinLine {
  const std::string* location;
  const ItemKey* item;
  int64_t units;
  uint64_t arrival;  // StockLine::arrival: first in, first out.
};

// The release of orders (design note 2); `taken_` and `allocated_` carry what the orders
// released before in the same command took.
class ReleasePlanner {
 public:
  // Indexes the pickable bin stock lines of the products `orders` ask for: one pass over the
  // stock per release, so that no index has to be kept up to date on every scan.
  ReleasePlanner(const SiteState& state, const std::vector<const OrderState*>& orders)
      : book_(state.orders()), next_task_id_(state.orders().last_task_id() + 1) {
    for (const OrderState* order : orders) {
      for (const OrderLineState& line : order->lines) {
        lines_.try_emplace(line.gtin);
      }
    }
    for (const auto& [key, stock] : state.stock()) {
      if (!key.holder.IsLocation()) {
        continue;
      }
      auto wanted = lines_.find(key.item.gtin);
      if (wanted == lines_.end()) {
        continue;
      }
      const LocationState* bin = state.FindLocation(key.holder.id);
      if (bin != nullptr && IsPickable(bin->location.type)) {
        wanted->second.push_back(BinLine{&key.holder.id, &key.item, stock.units, stock.arrival});
      }
    }
  }

  // Returns false when nothing of `order` can be allocated (it stays unreleased).
  bool Plan(const OrderState& order, const std::string& batch, OrderReleased& released,
            std::vector<Shortage>& shortages) {
    released = OrderReleased{order.id, batch, {}, {}};
    int64_t units = 0;
    for (const OrderLineState& line : order.lines) {
      int64_t& extra = taken_[line.gtin];
      int64_t top_up = std::max<int64_t>(
          0, std::min(line.quantity - line.reserved, book_.Available(line.gtin) - extra));
      int64_t allocated = Allocate(order.id, line.gtin, line.reserved + top_up, released.tasks);
      extra += allocated - line.reserved;  // The reservation follows what could be allocated.
      released.reserved.push_back(allocated);
      units += allocated;
      if (allocated < line.quantity) {
        shortages.push_back(Shortage{order.id, line.gtin, line.quantity - allocated});
      }
    }
    return units > 0;
  }

 private:
  // Allocates up to `wanted` units of `gtin` to tasks, FEFO (earliest expiry first, undated
  // last), then FIFO (the stock line that arrived first), then walk order; returns the units
  // allocated.
  int64_t Allocate(const std::string& order, const std::string& gtin, int64_t wanted,
                   std::vector<PickTask>& tasks) {
    auto lines = lines_.find(gtin);
    if (lines == lines_.end() || wanted <= 0) {
      return 0;
    }
    std::vector<std::pair<const BinLine*, int64_t>> free;
    for (const BinLine& line : lines->second) {
      auto mine = allocated_.find(&line);
      int64_t left = line.units - book_.AllocatedAt(*line.location, *line.item) -
                     (mine == allocated_.end() ? 0 : mine->second);
      if (left > 0) {
        free.emplace_back(&line, left);
      }
    }
    std::sort(free.begin(), free.end(), [](const auto& a, const auto& b) {
      const std::string& x = a.first->item->expiry;
      const std::string& y = b.first->item->expiry;
      return std::make_tuple(x.empty(), std::cref(x), a.first->arrival,
                             std::cref(*a.first->location)) <
             std::make_tuple(y.empty(), std::cref(y), b.first->arrival,
                             std::cref(*b.first->location));
    });
    int64_t allocated = 0;
    for (const auto& [line, left] : free) {
      if (allocated == wanted) {
        break;
      }
      int64_t take = std::min(left, wanted - allocated);
      tasks.push_back(PickTask{next_task_id_++, order, *line->location, *line->item, take});
      allocated_[line] += take;
      allocated += take;
    }
    return allocated;
  }

  const OrderBook& book_;
  uint64_t next_task_id_;
  std::unordered_map<std::string, std::vector<BinLine>> lines_;  // gtin -> bin stock lines
  std::map<std::string, int64_t> taken_;  // gtin -> reservations added by this release
  std::unordered_map<const BinLine*, int64_t> allocated_;  // Units this release took.
};

StatusOr<OrderDecision> Release(const SiteState& state, const ReleaseOrders& command,
                                uint64_t seq) {
  if (command.max_orders == 0 || command.max_orders > kMaxReleaseOrders ||
      command.orders_per_batch == 0 || command.orders_per_batch > kMaxOrdersPerBatch) {
    return Invalid("bad_release",
                   "A release takes 1 to 100,000 orders, in batches of 1 to 64 orders.");
  }
  const OrderBook& book = state.orders();
  std::vector<const OrderState*> waiting;
  for (const auto& [id, order] : book.orders()) {
    if (!order.released && !order.cancelled &&
        (command.horizon_ms == 0 || order.cutoff_ms <= command.horizon_ms)) {
      waiting.push_back(&order);
    }
  }
  std::sort(waiting.begin(), waiting.end(), [](const OrderState* a, const OrderState* b) {
    return std::make_tuple(a->cutoff_ms, -a->priority, a->number) <
           std::make_tuple(b->cutoff_ms, -b->priority, b->number);
  });
  OrderDecision decision;
  ReleasePlanner planner(state, waiting);
  size_t in_batch = command.orders_per_batch;
  for (const OrderState* order : waiting) {
    if (decision.released.size() == command.max_orders) {
      break;
    }
    if (in_batch == command.orders_per_batch) {
      decision.batches.push_back("B" + std::to_string(seq) + "-" +
                                 std::to_string(decision.batches.size() + 1));
      in_batch = 0;
    }
    OrderReleased released;
    if (!planner.Plan(*order, decision.batches.back(), released, decision.shortages)) {
      continue;
    }
    ++in_batch;
    decision.released.push_back(order->id);
    decision.events.push_back(std::move(released));
  }
  if (in_batch == 0 && !decision.batches.empty()) {
    decision.batches.pop_back();  // Opened for an order that could not be released.
  }
  decision.summary = "Released " + std::to_string(decision.released.size()) + " orders in " +
                     std::to_string(decision.batches.size()) + " batches." +
                     ShortageText(decision.shortages);
  return decision;
}

StatusOr<OrderDecision> Assign(const SiteState& state, const AssignBatch& command) {
  if (!IsIdentifier(command.device, kMaxOrderIdLength)) {
    return Invalid("bad_device", "A device id is 1 to 64 letters, digits, '.', '_' or '-'.");
  }
  const OrderBook& book = state.orders();
  OrderDecision decision;
  if (std::string batch = book.BatchOfDevice(command.device); !batch.empty()) {
    decision.batches.push_back(batch);
    decision.summary = "Device " + command.device + " is picking batch " + batch + ".";
    return decision;
  }
  const std::string* oldest = nullptr;
  uint64_t oldest_number = 0;
  for (const auto& [id, batch] : book.batches()) {
    bool open = std::any_of(batch.tasks.begin(), batch.tasks.end(), [&book](uint64_t task) {
      return book.FindTask(task)->Remaining() > 0;
    });
    if (batch.device.empty() && open && (oldest == nullptr || batch.number < oldest_number)) {
      oldest = &id;
      oldest_number = batch.number;
    }
  }
  if (oldest == nullptr) {
    return Error(StatusCode::kNotFound, "no_work", "No released work is waiting to be picked.");
  }
  decision.events.push_back(BatchAssigned{*oldest, command.device});
  decision.batches.push_back(*oldest);
  decision.summary = "Batch " + *oldest + " given to device " + command.device + ".";
  return decision;
}

StatusOr<OrderDecision> Define(const SiteState& state, const DefineCarrier& command) {
  if (!IsIdentifier(command.carrier, kMaxOrderIdLength)) {
    return Invalid("bad_carrier", "A carrier code is 1 to 64 letters, digits, '.', '_' or '-'.");
  }
  if (command.doors.size() > kMaxCarrierDoors) {
    return Invalid("too_many_doors", "A carrier loads at most at 64 doors.");
  }
  for (const std::string& door : command.doors) {
    const LocationState* location = state.FindLocation(door);
    if (location == nullptr || location->location.type != domain::LocationType::kOutboundDoor) {
      return Invalid("bad_door", "Carrier " + command.carrier + ": " + door.substr(0, 40) +
                                     " is not an outbound door of this site.");
    }
  }
  OrderDecision decision;
  decision.events.push_back(CarrierDefined{command.carrier, command.doors});
  decision.summary = "Carrier " + command.carrier + " loads at " +
                     std::to_string(command.doors.size()) + " doors.";
  return decision;
}

bool IsSscc(const std::string& id) {
  return id.size() == 23 && id.starts_with("sscc:") &&
         std::all_of(id.begin() + 5, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

StatusOr<OrderDecision> Expect(const SiteState& state, const ExpectReceipt& command) {
  OrderTerms terms{command.id, command.supplier, std::max<int64_t>(command.expected_at_ms, 1), 0,
                   command.lines};
  ENTREPOT_RETURN_IF_ERROR(CheckTerms(state, terms));
  if (state.orders().FindReceipt(command.id) != nullptr) {
    return Error(StatusCode::kAlreadyExists, "receipt_exists",
                 "Receipt " + command.id + " exists already.");
  }
  if (command.containers.size() > kMaxReceiptContainers) {
    return Invalid("too_many_containers", "A receipt lists at most 500 pallets.");
  }
  for (const std::string& container : command.containers) {
    if (!IsSscc(container)) {
      return Invalid("bad_container", "Receipt " + command.id + ": '" + container.substr(0, 40) +
                                          "' is not an SSCC (sscc: and 18 digits).");
    }
    if (const ReceiptState* other = state.orders().ReceiptOfContainer(container)) {
      return Error(StatusCode::kAlreadyExists, "container_expected",
                   container + " is already expected on receipt " + other->id + ".");
    }
  }
  ReceiptExpected expected{
      command.id, command.supplier, command.expected_at_ms, {}, command.containers};
  for (const OrderLineRequest& line : command.lines) {
    expected.lines.push_back(OrderLine{line.gtin, line.quantity, 0});
  }
  OrderDecision decision;
  decision.events.push_back(std::move(expected));
  decision.summary = "Receipt " + command.id + " expected with " +
                     std::to_string(command.lines.size()) + " lines.";
  return decision;
}

StatusOr<OrderDecision> Close(const SiteState& state, const CloseReceipt& command) {
  const ReceiptState* receipt = state.orders().FindReceipt(command.id);
  if (receipt == nullptr) {
    return Error(StatusCode::kNotFound, "no_such_receipt",
                 "There is no receipt " + command.id + ".");
  }
  if (receipt->closed) {
    return Error(StatusCode::kFailedPrecondition, "receipt_closed",
                 "Receipt " + command.id + " is closed already.");
  }
  OrderDecision decision;
  int64_t short_units = 0, over_units = 0, unexpected_units = 0;
  for (const ReceiptLineState& line : receipt->lines) {
    if (line.received != line.expected) {
      decision.differences.push_back({line.gtin, line.expected, line.received});
      (line.received < line.expected ? short_units : over_units) +=
          line.received < line.expected ? line.expected - line.received
                                        : line.received - line.expected;
    }
  }
  for (const auto& [gtin, units] : receipt->unexpected) {
    decision.differences.push_back({gtin, 0, units});
    unexpected_units += units;
  }
  decision.events.push_back(ReceiptClosed{command.id});
  decision.summary = "Receipt " + command.id + " closed: " + std::to_string(short_units) +
                     " units short, " + std::to_string(over_units) + " over, " +
                     std::to_string(unexpected_units) + " unexpected.";
  return decision;
}

}  // namespace

std::string ReceiptNote(const SiteState& state, const std::string& container,
                        const std::string& gtin, int64_t units) {
  const ReceiptState* receipt = state.orders().ReceiptOfContainer(container);
  if (receipt == nullptr) {
    return "";
  }
  for (const ReceiptLineState& line : receipt->lines) {
    if (line.gtin == gtin) {
      int64_t received = line.received + units;
      std::string progress = " Receipt " + receipt->id + ": " + std::to_string(received) + " of " +
                             std::to_string(line.expected) + ".";
      return received > line.expected
                 ? progress + " Over by " + std::to_string(received - line.expected) + "."
                 : progress;
    }
  }
  return " Not on receipt " + receipt->id + ": recorded as unexpected.";
}

std::string_view ReturnDispositionName(ReturnDisposition disposition) {
  switch (disposition) {
    case ReturnDisposition::kRestock:
      return "restock";
    case ReturnDisposition::kInspect:
      return "inspect";
    case ReturnDisposition::kScrap:
      break;
  }
  return "scrap";
}

namespace {

bool IsCountable(domain::LocationType type) { return type != domain::LocationType::kOutboundDoor; }

// The locations a count request names, each checked, in code order without repeats.
StatusOr<std::set<std::string>> CountLocations(const SiteState& state,
                                               const RequestCounts& command) {
  if (command.locations.empty() == command.zone.empty()) {
    return Invalid("bad_count_request", "give either locations or a zone to count");
  }
  std::set<std::string> codes;
  if (!command.zone.empty()) {
    if (!state.zones().contains(command.zone)) {
      return Error(StatusCode::kNotFound, "unknown_zone",
                   "zone " + command.zone + " is not defined");
    }
    for (const auto& [code, location] : state.locations()) {
      if (location.location.zone == command.zone && IsPickable(location.location.type)) {
        codes.insert(code);
      }
    }
  }
  for (const std::string& code : command.locations) {
    const LocationState* location = state.FindLocation(code);
    if (location == nullptr) {
      return Error(StatusCode::kNotFound, "unknown_location",
                   "location " + code + " is not defined");
    }
    if (!IsCountable(location->location.type)) {
      return Invalid("not_countable",
                     "location " + code + " is an outbound door: nothing is stored there to count");
    }
    codes.insert(code);
  }
  if (codes.size() > kMaxCountLocations) {
    return Invalid("too_many_locations", std::to_string(codes.size()) +
                                             " locations to count; at most " +
                                             std::to_string(kMaxCountLocations) + " per request");
  }
  return codes;
}

StatusOr<OrderDecision> Count(const SiteState& state, const RequestCounts& command) {
  ENTREPOT_ASSIGN_OR_RETURN(std::set<std::string> codes, CountLocations(state, command));
  OrderDecision decision;
  for (const std::string& code : codes) {
    if (state.FindLocation(code)->flag.empty()) {
      decision.events.push_back(LocationFlagged{code, "count_requested"});
      decision.counts.push_back(code);
    }
  }
  decision.summary =
      "Counts requested at " + std::to_string(decision.counts.size()) + " locations" +
      (decision.counts.size() < codes.size()
           ? " (" + std::to_string(codes.size() - decision.counts.size()) + " already due)."
           : ".");
  return decision;
}

Status CheckReturnLine(const OrderState& order, const ReturnLine& line) {
  if (order.Line(line.gtin) == nullptr) {
    return Invalid("not_on_order", "Order " + order.id + " has no line for product " +
                                       line.gtin.substr(0, 40) + ": only its products return.");
  }
  if (line.quantity <= 0 || line.quantity > kMaxLineQuantity) {
    return Invalid("bad_quantity",
                   "Return of product " + line.gtin + ": a quantity is 1 to 1,000,000.");
  }
  if (std::find(std::begin(kReturnReasons), std::end(kReturnReasons), line.reason) ==
      std::end(kReturnReasons)) {
    return Invalid("bad_reason",
                   "A return reason is damaged, defective, wrong_item, "
                   "not_as_described, no_longer_needed, late or other; got '" +
                       line.reason.substr(0, 40) + "'.");
  }
  return OkStatus();
}

// The checks of a return that do not depend on its units (ids, order, location, lines).
StatusOr<const OrderState*> CheckReturn(const SiteState& state, const ReceiveReturn& command) {
  if (!IsIdentifier(command.id, kMaxOrderIdLength)) {
    return Invalid("bad_return_id", "A return id is 1 to 64 letters, digits, '.', '_' or '-'.");
  }
  if (state.orders().FindReturn(command.id) != nullptr) {
    return Error(StatusCode::kAlreadyExists, "return_exists",
                 "Return " + command.id + " was received already.");
  }
  const OrderState* order = state.orders().FindOrder(command.order);
  if (order == nullptr) {
    return Error(StatusCode::kNotFound, "no_such_order",
                 "There is no order " + command.order + ".");
  }
  const LocationState* location = state.FindLocation(command.location);
  if (location == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_location",
                 "Location " + command.location.substr(0, 40) + " is not defined.");
  }
  if (location->location.type == domain::LocationType::kOutboundDoor) {
    return Invalid("bad_return_location",
                   "Returns are received at a dock, a bin or a pack station, not at an "
                   "outbound door.");
  }
  if (command.lines.empty() || command.lines.size() > kMaxOrderLines) {
    return Invalid(command.lines.empty() ? "no_lines" : "too_many_lines",
                   "A return has 1 to 500 lines.");
  }
  for (const ReturnLine& line : command.lines) {
    ENTREPOT_RETURN_IF_ERROR(CheckReturnLine(*order, line));
  }
  return order;
}

StatusOr<OrderDecision> Return(const SiteState& state, const ReceiveReturn& command) {
  ENTREPOT_ASSIGN_OR_RETURN(const OrderState* order, CheckReturn(state, command));
  std::map<std::string, int64_t> units;  // gtin -> units in this return
  int64_t stocked = 0;
  int64_t counts[kReturnDispositionCount] = {};
  for (const ReturnLine& line : command.lines) {
    units[line.gtin] += line.quantity;
    counts[static_cast<int>(line.disposition)] += line.quantity;
    stocked += line.disposition == ReturnDisposition::kScrap ? 0 : line.quantity;
  }
  for (const auto& [gtin, quantity] : units) {
    const OrderLineState& line = *order->Line(gtin);
    if (line.returned + quantity > line.shipped) {
      return Error(StatusCode::kFailedPrecondition, "more_than_shipped",
                   "Order " + order->id + " shipped " + std::to_string(line.shipped) + " x " +
                       gtin + ", of which " + std::to_string(line.returned) +
                       " came back already: at most " +
                       std::to_string(line.shipped - line.returned) + " more can be returned.");
    }
  }
  const LocationState& location = *state.FindLocation(command.location);
  if (counts[static_cast<int>(ReturnDisposition::kInspect)] > 0 &&
      IsPickable(location.location.type)) {
    return Invalid("bad_return_location",
                   "Units to inspect are received at a dock or a pack station, out of the stock "
                   "orders can take, not into bin " +
                       command.location + ": they are stowed once inspected.");
  }
  const int64_t capacity = location.location.capacity_units;
  if (capacity > 0 && location.units + stocked > capacity) {
    return Error(StatusCode::kFailedPrecondition, "location_full",
                 "Location " + command.location + " holds " + std::to_string(location.units) +
                     " of " + std::to_string(capacity) + " units: receive the return elsewhere.");
  }
  OrderDecision decision;
  decision.events.push_back(
      ReturnReceived{command.id, command.order, command.location, command.lines});
  for (const ReturnLine& line : command.lines) {
    if (line.disposition != ReturnDisposition::kScrap) {
      decision.events.push_back(UnitsReceived{domain::ItemKey{line.gtin, "", "", ""}, line.quantity,
                                              domain::Holder::AtLocation(command.location)});
    }
  }
  if (counts[static_cast<int>(ReturnDisposition::kInspect)] > 0 && location.flag.empty()) {
    decision.events.push_back(LocationFlagged{command.location, "return_inspection"});
  }
  decision.summary = "Return " + command.id + " of order " + command.order + " at " +
                     command.location + ": " + std::to_string(counts[0]) + " restocked, " +
                     std::to_string(counts[1]) + " to inspect, " + std::to_string(counts[2]) +
                     " scrapped.";
  return decision;
}

StatusOr<OrderDecision> PickFace(const SiteState& state, const DefinePickFace& command) {
  const LocationState* face = state.FindLocation(command.location);
  if (face == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_location",
                 "Location " + command.location.substr(0, 40) + " is not defined.");
  }
  if (face->location.type != domain::LocationType::kPickFace) {
    return Invalid("not_a_pick_face", "Location " + command.location +
                                          " is not a pick face: only pick faces are replenished.");
  }
  OrderDecision decision;
  if (command.max == 0) {
    decision.events.push_back(PickFaceDefined{command.location, "", 0, 0});
    decision.summary = "Pick face " + command.location + " is no longer replenished.";
    return decision;
  }
  if (state.FindProduct(command.gtin) == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_product",
                 "Product " + command.gtin.substr(0, 40) + " is not in the master data.");
  }
  const int64_t capacity = face->location.capacity_units;
  if (command.min < 0 || command.max <= command.min || (capacity > 0 && command.max > capacity)) {
    return Invalid(
        "bad_levels",
        "Pick face " + command.location + ": levels need 0 <= min < max" +
            (capacity > 0 ? " <= " + std::to_string(capacity) + " (its capacity)" : std::string()) +
            "; got min " + std::to_string(command.min) + ", max " + std::to_string(command.max) +
            ".");
  }
  decision.events.push_back(
      PickFaceDefined{command.location, command.gtin, command.min, command.max});
  decision.summary = "Pick face " + command.location + " holds " + command.gtin + ", refilled to " +
                     std::to_string(command.max) + " below " + std::to_string(command.min) + ".";
  return decision;
}

Status CheckDeliveries(const ConfirmDeliveries& command) {
  if (command.parcels.empty() || command.parcels.size() > kMaxDeliveryParcels) {
    return Invalid(command.parcels.empty() ? "no_parcels" : "too_many_parcels",
                   "A delivery confirmation lists 1 to " + std::to_string(kMaxDeliveryParcels) +
                       " parcels; got " + std::to_string(command.parcels.size()) + ".");
  }
  if (command.delivered_at_ms <= 0) {
    return Invalid("bad_delivery_time", "A delivery confirmation needs the time of delivery.");
  }
  if (!IsIdentifier(command.by, kMaxOrderIdLength)) {
    return Invalid("bad_partner",
                   "The partner confirming a delivery is 1 to 64 letters, digits, '.', '_' or "
                   "'-'; got '" +
                       command.by.substr(0, 80) + "'.");
  }
  for (const std::string& parcel : command.parcels) {
    if (Status valid = domain::ValidateContainerId(parcel); !valid.ok()) {
      return Invalid("bad_parcel", valid.message());
    }
  }
  return OkStatus();
}

StatusOr<OrderDecision> Deliver(const SiteState& state, const ConfirmDeliveries& command) {
  ENTREPOT_RETURN_IF_ERROR(CheckDeliveries(command));
  const OrderBook& book = state.orders();
  OrderDecision decision;
  DeliveriesConfirmed confirmed{{}, command.delivered_at_ms, command.by};
  std::set<std::string_view> seen;  // A parcel listed twice counts once.
  for (const std::string& parcel : command.parcels) {
    if (!seen.insert(parcel).second) {
      continue;
    }
    const OrderState* order = book.OrderOfParcel(parcel);
    const char* problem = order == nullptr                            ? "unknown_parcel"
                          : !order->shipped_parcels.contains(parcel)  ? "not_shipped"
                          : order->delivered_parcels.contains(parcel) ? "already_delivered"
                                                                      : nullptr;
    if (problem != nullptr) {
      decision.delivery_problems.push_back(DeliveryProblem{parcel, problem});
    } else {
      confirmed.parcels.push_back(parcel);
    }
  }
  decision.delivered = confirmed.parcels;
  decision.summary = std::to_string(decision.delivered.size()) + " parcels delivered, as " +
                     command.by + " confirmed; " +
                     std::to_string(decision.delivery_problems.size()) + " not recorded.";
  if (!confirmed.parcels.empty()) {
    decision.events.push_back(std::move(confirmed));
  }
  return decision;
}

StatusOr<OrderDecision> OpenAtDoor(const SiteState& state, const OpenLoad& command) {
  if (!IsIdentifier(command.id, kMaxOrderIdLength)) {
    return Invalid("bad_load_id",
                   "A bill of lading number is 1 to 64 letters, digits, '.', '_' or '-'.");
  }
  if (!command.carrier.empty() && !IsIdentifier(command.carrier, kMaxOrderIdLength)) {
    return Invalid("bad_carrier", "A carrier code is 1 to 64 letters, digits, '.', '_' or '-'.");
  }
  if (command.at_ms <= 0) {
    return Invalid("bad_load_time", "A load needs the time it was opened.");
  }
  const OrderBook& book = state.orders();
  if (book.FindLoad(command.id) != nullptr) {
    return Error(StatusCode::kAlreadyExists, "load_exists",
                 "Load " + command.id + " exists already: a bill of lading is used once.");
  }
  const LocationState* door = state.FindLocation(command.door);
  if (door == nullptr || door->location.type != domain::LocationType::kOutboundDoor) {
    return Invalid("bad_door", "Load " + command.id + ": " + command.door.substr(0, 40) +
                                   " is not an outbound door of this site.");
  }
  if (const LoadState* busy = book.OpenLoadAt(command.door)) {
    return Error(StatusCode::kFailedPrecondition, "door_busy",
                 "Door " + command.door + " is loading " + busy->id + ": close it first.");
  }
  const std::vector<std::string>* doors =
      command.carrier.empty() ? nullptr : book.CarrierDoors(command.carrier);
  if (doors != nullptr && !doors->empty() &&
      std::find(doors->begin(), doors->end(), command.door) == doors->end()) {
    return Invalid("wrong_door",
                   "Carrier " + command.carrier + " does not load at " + command.door + ".");
  }
  OrderDecision decision;
  decision.events.push_back(LoadOpened{command.id, command.door, command.carrier, command.at_ms});
  decision.summary = "Load " + command.id + " opened at " + command.door + ".";
  return decision;
}

StatusOr<OrderDecision> Depart(const SiteState& state, const CloseLoad& command) {
  const LoadState* load = state.orders().FindLoad(command.id);
  if (load == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_load",
                 "No load has bill of lading " + command.id.substr(0, 64) + ".");
  }
  if (!load->open()) {
    return Error(StatusCode::kFailedPrecondition, "load_closed",
                 "Load " + command.id + " has left already.");
  }
  if (command.at_ms <= 0) {
    return Invalid("bad_load_time", "Closing a load needs the time the trailer left.");
  }
  OrderDecision decision;
  decision.events.push_back(LoadClosed{command.id, command.at_ms});
  decision.summary = "Load " + command.id + " left " + load->door + " with " +
                     std::to_string(load->containers.size()) + " containers.";
  return decision;
}

}  // namespace

StatusOr<OrderDecision> DecideOrder(const SiteState& state, const OrderCommand& command,
                                    uint64_t seq) {
  return std::visit(
      [&](const auto& c) -> StatusOr<OrderDecision> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, PlaceOrder>) {
          return Place(state, c);
        } else if constexpr (std::is_same_v<T, AmendOrder>) {
          return Amend(state, c);
        } else if constexpr (std::is_same_v<T, CancelOrder>) {
          return Cancel(state, c);
        } else if constexpr (std::is_same_v<T, ReleaseOrders>) {
          return Release(state, c, seq);
        } else if constexpr (std::is_same_v<T, AssignBatch>) {
          return Assign(state, c);
        } else if constexpr (std::is_same_v<T, DefineCarrier>) {
          return Define(state, c);
        } else if constexpr (std::is_same_v<T, ExpectReceipt>) {
          return Expect(state, c);
        } else if constexpr (std::is_same_v<T, CloseReceipt>) {
          return Close(state, c);
        } else if constexpr (std::is_same_v<T, RequestCounts>) {
          return Count(state, c);
        } else if constexpr (std::is_same_v<T, ReceiveReturn>) {
          return Return(state, c);
        } else if constexpr (std::is_same_v<T, ConfirmDeliveries>) {
          return Deliver(state, c);
        } else if constexpr (std::is_same_v<T, OpenLoad>) {
          return OpenAtDoor(state, c);
        } else if constexpr (std::is_same_v<T, CloseLoad>) {
          return Depart(state, c);
        } else {
          return PickFace(state, c);
        }
      },
      command);
}

}  // namespace entrepot::core
