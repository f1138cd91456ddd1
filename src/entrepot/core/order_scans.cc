#include "entrepot/core/order_scans.h"

#include <algorithm>
#include <map>
#include <utility>

namespace entrepot::core {
namespace {

using domain::Holder;
using domain::ItemKey;

Reply Make(Outcome outcome, std::string message, std::string prompt) {
  return Reply{outcome, std::move(message), std::move(prompt)};
}

std::string Units(int64_t units, const std::string& gtin, const SiteState& state) {
  const domain::Product* product = state.FindProduct(gtin);
  std::string name = product == nullptr ? gtin : product->description + " (" + gtin + ")";
  return std::to_string(units) + " x " + name;
}

class DirectedPick {
 public:
  DirectedPick(const SiteState& state, const BatchState& batch, DeviceState& device,
               std::vector<Event>& events)
      : state_(state), book_(state.orders()), batch_(batch), device_(device), events_(events) {}

  Reply Decide(const ScannedCode& scanned) {
    const OrderState* needs_tote = OrderWithoutTote();
    switch (scanned.kind) {
      case ScannedCode::Kind::kContainer:
        return Tote(scanned.id, needs_tote);
      case ScannedCode::Kind::kLocation:
        if (needs_tote != nullptr) {
          return ToteFirst(*needs_tote);
        }
        return Bin(scanned.id);
      case ScannedCode::Kind::kItem:
        if (needs_tote != nullptr) {
          return ToteFirst(*needs_tote);
        }
        return Unit(scanned.item);
      case ScannedCode::Kind::kBadge:
        break;
    }
    return Make(Outcome::kNotExpected, "A badge is not expected while picking.", NextPrompt());
  }

 private:
  const OrderState* OrderWithoutTote() const {
    for (const std::string& id : batch_.orders) {
      const OrderState* order = book_.FindOrder(id);
      if (!order->cancelled && order->tote.empty() && !Assigned(id)) {
        return order;
      }
    }
    return nullptr;
  }
  // Assigned by an event of this very scan (not applied yet).
  bool Assigned(const std::string& order) const {
    return std::any_of(events_.begin(), events_.end(), [&order](const Event& event) {
      const auto* tote = std::get_if<ToteAssigned>(&event);
      return tote != nullptr && tote->order == order;
    });
  }

  Reply ToteFirst(const OrderState& order) const {
    return Make(Outcome::kNotExpected, "Each order of the batch needs its tote first.",
                "Scan an empty tote for order " + order.id + ".");
  }

  Reply Tote(const std::string& tote, const OrderState* order) {
    if (order == nullptr) {
      return Make(Outcome::kNotExpected, "Every order of the batch has its tote.", NextPrompt());
    }
    const ContainerState* container = state_.FindContainer(tote);
    if (container == nullptr || container->shipped ||
        container->type != domain::ContainerType::kTote) {
      return Make(Outcome::kWrongLocation, tote + " is not a tote on site.",
                  "Scan an empty tote for order " + order->id + ".");
    }
    if (const OrderState* holder = book_.OrderOfTote(tote); holder != nullptr) {
      return Make(Outcome::kNotExpected,
                  "Tote " + tote + " already carries order " + holder->id + ".",
                  "Scan an empty tote for order " + order->id + ".");
    }
    if (!state_.StockIn(Holder::InContainer(tote)).empty()) {
      return Make(Outcome::kNotExpected, "Tote " + tote + " is not empty.",
                  "Scan an empty tote for order " + order->id + ".");
    }
    events_.push_back(ToteAssigned{tote, order->id});
    // A tote starts the batch's picking afresh: the bin the device was at in its previous
    // batch is not "the same bin again" (which would report this batch's units short).
    device_.has_source = false;
    device_.source = {};
    const OrderState* next = OrderWithoutTote();
    return Make(Outcome::kOk, "Tote " + tote + " collects order " + order->id + ".",
                next != nullptr ? "Scan an empty tote for order " + next->id + "." : NextPrompt());
  }

  Reply Bin(const std::string& code) {
    if (state_.FindLocation(code) == nullptr) {
      return Make(Outcome::kUnknownLocation, "Location " + code + " is not in this site's layout.",
                  NextPrompt());
    }
    std::vector<const TaskState*> here = OpenTasksAt(code);
    if (here.empty()) {
      return Make(Outcome::kWrongLocation, "Your batch has nothing to pick at " + code + ".",
                  NextPrompt());
    }
    if (device_.has_source && device_.source.id == code) {
      return Short(code, here);
    }
    device_.source = Holder::AtLocation(code);
    device_.has_source = true;
    return Make(Outcome::kOk, "At " + code + ".", TaskPrompt(*here.front(), 0));
  }

  // The bin scanned again with units still due: they are not there.
  Reply Short(const std::string& code, const std::vector<const TaskState*>& here) {
    int64_t missing = 0;
    for (const TaskState* task : here) {
      events_.push_back(TaskProgressed{task->task.id, 0, task->Remaining()});
      missing += task->Remaining();
      shorted_.push_back(task->task.id);
    }
    events_.push_back(LocationFlagged{code, "short_pick"});
    device_.has_source = false;
    device_.source = {};
    return Make(Outcome::kOk,
                std::to_string(missing) + " units reported missing at " + code +
                    "; the bin is flagged for a count.",
                NextPrompt());
  }

  Reply Unit(const ItemKey& scanned) {
    if (!device_.has_source) {
      return Make(Outcome::kNotExpected, "Scan the bin first.", NextPrompt());
    }
    std::vector<const TaskState*> here = OpenTasksAt(device_.source.id);
    auto task = std::find_if(here.begin(), here.end(), [&scanned](const TaskState* t) {
      return Designates(scanned, t->task.item);
    });
    if (task == here.end()) {
      return Make(Outcome::kNotExpected, "Wrong unit: it is not what this bin's task asks for.",
                  here.empty() ? NextPrompt() : TaskPrompt(*here.front(), 0));
    }
    const TaskState& picked = **task;
    const OrderState* order = book_.FindOrder(picked.task.order);
    Holder tote = Holder::InContainer(order->tote);
    if (state_.Quantity(device_.source, picked.task.item) < 1) {
      return Make(Outcome::kNotInStock, "The bin holds no such unit any more.",
                  "Scan the bin again to report it short.");
    }
    events_.push_back(UnitsMoved{picked.task.item, 1, device_.source, tote});
    events_.push_back(TaskProgressed{picked.task.id, 1, 0});
    picked_task_ = picked.task.id;
    std::string message = "Picked for order " + order->id + ": put it in tote " + order->tote + ".";
    if (picked.Remaining() > 1) {
      return Make(Outcome::kOk, std::move(message), TaskPrompt(picked, 1));
    }
    return Make(Outcome::kOk, std::move(message), NextPrompt());
  }

  std::vector<const TaskState*> OpenTasksAt(const std::string& location) const {
    std::vector<const TaskState*> tasks;
    for (uint64_t id : batch_.tasks) {
      const TaskState* task = book_.FindTask(id);
      if (task->task.location == location && task->Remaining() > 0) {
        tasks.push_back(task);
      }
    }
    return tasks;
  }

  std::string TaskPrompt(const TaskState& task, int64_t just_picked) const {
    return "Pick " + Units(task.Remaining() - just_picked, task.task.item.gtin, state_) +
           (task.task.item.lot.empty() ? "" : " lot " + task.task.item.lot) + " at " +
           task.task.location + ".";
  }

  // The first task in walk order with units left after this scan's events.
  std::string NextPrompt() const {
    for (uint64_t id : batch_.tasks) {
      const TaskState* task = book_.FindTask(id);
      int64_t left = task->Remaining() - (id == picked_task_ ? 1 : 0);
      if (left > 0 && std::find(shorted_.begin(), shorted_.end(), id) == shorted_.end()) {
        return TaskPrompt(*task, task->Remaining() - left);
      }
    }
    return "Batch complete: take the totes to packing.";
  }

  const SiteState& state_;
  const OrderBook& book_;
  const BatchState& batch_;
  DeviceState& device_;
  std::vector<Event>& events_;
  uint64_t picked_task_ = 0;
  std::vector<uint64_t> shorted_;
};

}  // namespace

Reply DecideDirectedPick(const SiteState& state, const std::string& batch,
                         const ScannedCode& scanned, DeviceState& device,
                         std::vector<Event>& events) {
  return DirectedPick(state, *state.orders().FindBatch(batch), device, events).Decide(scanned);
}

std::optional<Reply> CheckPackedUnit(const SiteState& state, const std::string& tote,
                                     const std::vector<ItemKey>& pending, const ItemKey& line) {
  const OrderState* order = state.orders().OrderOfTote(tote);
  if (order == nullptr) {
    return std::nullopt;
  }
  const OrderLineState* ordered = order->Line(line.gtin);
  if (ordered == nullptr) {
    return Make(Outcome::kNotExpected,
                "Wrong unit: product " + line.gtin + " is not on order " + order->id + ".",
                "Put it aside for a supervisor and scan the next item.");
  }
  auto already = std::count_if(pending.begin(), pending.end(),
                               [&line](const ItemKey& item) { return item.gtin == line.gtin; });
  if (ordered->packed + already >= ordered->picked) {
    return Make(Outcome::kNotExpected,
                "One too many: order " + order->id + " has " + std::to_string(ordered->picked) +
                    " picked units of " + line.gtin + " and they are all packed.",
                "Put it aside for a supervisor and scan the next item.");
  }
  return std::nullopt;
}

void AppendOrderPacked(const SiteState& state, const std::string& tote, const std::string& parcel,
                       const std::vector<ItemKey>& pending, std::vector<Event>& events) {
  const OrderState* order = state.orders().OrderOfTote(tote);
  if (order == nullptr) {
    return;
  }
  std::map<std::string, int64_t> units;
  for (const ItemKey& item : pending) {
    ++units[item.gtin];
  }
  for (const auto& [gtin, quantity] : units) {
    events.push_back(OrderPacked{order->id, parcel, gtin, quantity});
  }
}

std::optional<Reply> CheckCarrierDoor(const SiteState& state, const std::string& container,
                                      const std::string& door) {
  const OrderState* order = state.orders().OrderOfParcel(container);
  if (order == nullptr) {
    return std::nullopt;
  }
  const std::vector<std::string>* doors = state.orders().CarrierDoors(order->carrier);
  if (doors == nullptr || doors->empty() ||
      std::find(doors->begin(), doors->end(), door) != doors->end()) {
    return std::nullopt;
  }
  return Make(Outcome::kWrongLocation,
              "Parcel " + container + " is for carrier " + order->carrier + ", which loads at " +
                  doors->front() + ", not " + door + ".",
              "Take it to door " + doors->front() + ".");
}

}  // namespace entrepot::core
