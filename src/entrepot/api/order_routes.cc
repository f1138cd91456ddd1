// The order routes of ApiHandler (docs/API.md, "Orders"): place, amend and cancel orders,
// release work by cut-off, hand a device its next batch, define a carrier's doors, open and
// close loads at the doors, confirm deliveries by hand, and read orders, loads and the
// cut-off status. Bodies are parsed on the network thread
// (server/order_json.h); commands are decided by the sequencer one by one against the live
// state (so two orders never reserve the same unit) and answered after their commit; reads
// run as sequencer queries.
// Nothing here carries a worker's identity (RET-01); a device id appears only in the answer
// to that device's own request for work.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/core/cutoff_status.h"
#include "entrepot/core/order_book.h"
#include "entrepot/core/orders.h"
#include "entrepot/core/replenishment.h"
#include "entrepot/core/workload_plan.h"
#include "entrepot/domain/model.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/order_json.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::api {
namespace {

using nlohmann::json;
using Respond = std::function<void(HttpResponse)>;

constexpr int64_t kDefaultOrderPage = 100;
constexpr int64_t kMaxOrderPage = 1000;
// The throughput window of the cut-off projection (core/cutoff_status.h).
constexpr int64_t kThroughputWindowMs = 3'600'000;

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

HttpResponse Json(unsigned status, const json& body) {
  return HttpResponse{status, "application/json", DumpJson(body) + "\n", "", ""};
}

json Time(int64_t ms) {
  return ms >= wire::kMinRfc3339Ms && ms <= wire::kMaxRfc3339Ms ? json(wire::FormatRfc3339Ms(ms))
                                                                : json(nullptr);
}

json OrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

// --- views ---------------------------------------------------------------------------------

json ShortagesJson(const std::vector<core::Shortage>& shortages) {
  json out = json::array();
  for (const core::Shortage& s : shortages) {
    out.push_back({{"order", s.order}, {"gtin", s.gtin}, {"units", s.units}});
  }
  return out;
}

// The answer to place and amend: the order's terms and lines as the decision stored them.
json PlacedJson(const engine::OrderReply& reply) {
  json out = {{"seq", reply.seq}, {"shortages", ShortagesJson(reply.decision.shortages)}};
  for (const core::Event& event : reply.decision.events) {
    if (const auto* placed = std::get_if<core::OrderPlaced>(&event)) {
      json lines = json::array();
      for (const core::OrderLine& line : placed->lines) {
        lines.push_back(
            {{"gtin", line.gtin}, {"quantity", line.quantity}, {"reserved", line.reserved}});
      }
      out.update({{"id", placed->order},
                  {"carrier", placed->carrier},
                  {"cutoff", Time(placed->cutoff_ms)},
                  {"priority", placed->priority},
                  {"lines", std::move(lines)}});
    }
  }
  return out;
}

// The returns received against `order`, in the order they came.
json ReturnsJson(const core::OrderBook& book, const core::OrderState& order) {
  json returns = json::array();
  for (const std::string& id : order.returns) {
    const core::ReturnReceived& received = *book.FindReturn(id);
    json lines = json::array();
    for (const core::ReturnLine& line : received.lines) {
      lines.push_back({{"gtin", line.gtin},
                       {"quantity", line.quantity},
                       {"reason", line.reason},
                       {"disposition", core::ReturnDispositionName(line.disposition)}});
    }
    returns.push_back({{"id", id}, {"location", received.location}, {"lines", std::move(lines)}});
  }
  return returns;
}

json OrderJson(const core::OrderBook& book, const core::OrderState& order) {
  json lines = json::array();
  for (const core::OrderLineState& l : order.lines) {
    lines.push_back({{"gtin", l.gtin},
                     {"quantity", l.quantity},
                     {"reserved", l.reserved},
                     {"allocated", l.allocated},
                     {"picked", l.picked},
                     {"shorted", l.shorted},
                     {"packed", l.packed},
                     {"shipped", l.shipped},
                     {"returned", l.returned}});
  }
  json parcels = json::array();
  for (const auto& [parcel, units] : order.parcels) {
    json contents = json::array();
    for (const auto& [gtin, quantity] : units) {
      contents.push_back({{"gtin", gtin}, {"quantity", quantity}});
    }
    auto delivery = order.delivered_parcels.find(parcel);
    const bool delivered = delivery != order.delivered_parcels.end();
    parcels.push_back({{"parcel", parcel},
                       {"shipped", order.shipped_parcels.contains(parcel)},
                       {"delivered", delivered ? Time(delivery->second.at_ms) : json(nullptr)},
                       {"delivered_by", delivered ? json(delivery->second.by) : json(nullptr)},
                       {"units", std::move(contents)}});
  }
  return {{"id", order.id},
          {"carrier", order.carrier},
          {"cutoff", Time(order.cutoff_ms)},
          {"priority", order.priority},
          {"status", core::OrderStatusName(order.Status())},
          {"batch", OrNull(order.batch)},
          {"tote", OrNull(order.tote)},
          {"lines", std::move(lines)},
          {"parcels", std::move(parcels)},
          {"returns", ReturnsJson(book, order)}};
}

// One row of the order list: the order without its lines and parcels.
json OrderSummaryJson(const core::OrderState& order) {
  int64_t reserved = 0, shipped = 0;
  for (const core::OrderLineState& line : order.lines) {
    reserved += line.reserved;
    shipped += line.shipped;
  }
  return {{"id", order.id},
          {"carrier", order.carrier},
          {"cutoff", Time(order.cutoff_ms)},
          {"priority", order.priority},
          {"status", core::OrderStatusName(order.Status())},
          {"units", order.Units()},
          {"reserved", reserved},
          {"shipped", shipped},
          {"batch", OrNull(order.batch)}};
}

StatusOr<json> OrderByIdJson(const core::SiteState& state, const std::string& id) {
  const core::OrderState* order = state.orders().FindOrder(id);
  if (order == nullptr) {
    return Error(StatusCode::kNotFound, "no_such_order", "there is no order " + id);
  }
  return OrderJson(state.orders(), *order);
}

struct PageCursor {
  int64_t limit = kDefaultOrderPage;
  std::string after;
};

struct OrderPage {
  std::optional<core::OrderStatus> status;
  PageCursor cursor;
};

StatusOr<core::OrderStatus> ParseStatus(const std::string& text) {
  for (core::OrderStatus status :
       {core::OrderStatus::kOpen, core::OrderStatus::kReleased, core::OrderStatus::kPicked,
        core::OrderStatus::kPacked, core::OrderStatus::kShipped, core::OrderStatus::kCancelled,
        core::OrderStatus::kShort, core::OrderStatus::kDelivered}) {
    if (core::OrderStatusName(status) == text) {
      return status;
    }
  }
  return Invalid("bad_status",
                 "status must be open, released, short, picked, packed, shipped, delivered or "
                 "cancelled");
}

// The `limit` (1..kMaxOrderPage, kDefaultOrderPage when absent) and `after` (the previous
// page's "next") query parameters of a list.
StatusOr<PageCursor> ParseCursor(const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> limit, QueryParameter(target, "limit"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> after, QueryParameter(target, "after"));
  PageCursor cursor;
  cursor.after = after.value_or("");
  if (!limit) {
    return cursor;
  }
  bool digits = !limit->empty() && limit->size() <= 4 &&
                limit->find_first_not_of("0123456789") == std::string::npos;
  cursor.limit = digits ? std::stoll(*limit) : 0;
  if (cursor.limit < 1 || cursor.limit > kMaxOrderPage) {
    return Invalid("bad_limit",
                   "limit must be an integer from 1 to " + std::to_string(kMaxOrderPage));
  }
  return cursor;
}

StatusOr<OrderPage> ParseOrderPage(const std::string& target) {
  OrderPage page;
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> status, QueryParameter(target, "status"));
  if (status) {
    ENTREPOT_ASSIGN_OR_RETURN(page.status, ParseStatus(*status));
  }
  ENTREPOT_ASSIGN_OR_RETURN(page.cursor, ParseCursor(target));
  return page;
}

// One page of `items` (a map by id, in id order) after `cursor.after`: under `name`, `view`
// of each item `keep` accepts, and "next", the cursor of the following page, or null.
template <typename Items, typename Keep, typename View>
json PageOf(const Items& items, const PageCursor& cursor, const char* name, Keep keep, View view) {
  json list = json::array();
  json next = nullptr;
  for (auto it = items.upper_bound(cursor.after); it != items.end(); ++it) {
    if (!keep(it->second)) {
      continue;
    }
    if (static_cast<int64_t>(list.size()) == cursor.limit) {
      next = list.back()["id"];
      break;
    }
    list.push_back(view(it->second));
  }
  return {{name, std::move(list)}, {"next", std::move(next)}};
}

// Orders by id after `page.cursor.after`.
json OrderListJson(const core::SiteState& state, const OrderPage& page) {
  return PageOf(
      state.orders().orders(), page.cursor, "orders",
      [&page](const core::OrderState& order) {
        return !page.status || order.Status() == *page.status;
      },
      OrderSummaryJson);
}

// The answer to an order command that echoes `body` with the command's journal entry
// ("seq") and, when `with_summary`, the decision's summary.
std::function<HttpResponse(const engine::OrderReply&)> Echo(unsigned status, json body,
                                                            bool with_summary = false) {
  return [status, body = std::move(body), with_summary](const engine::OrderReply& reply) {
    json answer = body;
    if (with_summary) {
      answer["summary"] = reply.decision.summary;
    }
    answer["seq"] = reply.seq;
    return Json(status, std::move(answer));
  };
}

// GET /api/v1/replenishments?limit=&after=: the pick faces below their min after the cursor
// `after`, each with its sources; "next" is the cursor of the following page, or null.
json ReplenishmentsJson(const core::SiteState& state, const PageCursor& page) {
  json tasks = json::array();
  bool more = false;
  for (const core::ReplenishmentTask& task :
       core::PlanReplenishment(state, page.after, static_cast<size_t>(page.limit), &more)) {
    json sources = json::array();
    for (const core::ReplenishmentSource& source : task.sources) {
      sources.push_back({{"location", source.location},
                         {"lot", OrNull(source.item.lot)},
                         {"expiry", OrNull(source.item.expiry)},
                         {"units", source.units}});
    }
    tasks.push_back({{"face", task.face},
                     {"gtin", task.gtin},
                     {"on_hand", task.on_hand},
                     {"min", task.min},
                     {"max", task.max},
                     {"quantity", task.quantity},
                     {"sources", std::move(sources)},
                     {"missing", task.missing}});
  }
  json next = more ? tasks.back()["face"] : json(nullptr);
  return {{"tasks", std::move(tasks)}, {"next", std::move(next)}};
}

// GET /api/v1/counts?zone=&limit=&after=: the open count tasks (flagged locations) in walk
// order after the cursor `after`, optionally of one zone; "due" counts them all (in the zone).
struct CountPage {
  std::string zone;
  PageCursor cursor;
};

StatusOr<CountPage> ParseCountPage(const std::string& target) {
  CountPage page;
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> zone, QueryParameter(target, "zone"));
  page.zone = zone.value_or("");
  ENTREPOT_ASSIGN_OR_RETURN(page.cursor, ParseCursor(target));
  return page;
}

json CountListJson(const core::SiteState& state, const CountPage& page) {
  const std::set<std::string>& due = state.flagged_locations();
  json list = json::array();
  json next = nullptr;
  int64_t total = 0;
  for (auto it = due.begin(); it != due.end(); ++it) {
    const core::LocationState& location = *state.FindLocation(*it);
    if (!page.zone.empty() && location.location.zone != page.zone) {
      continue;
    }
    ++total;
    if (*it <= page.cursor.after || !next.is_null()) {
      continue;
    }
    if (static_cast<int64_t>(list.size()) == page.cursor.limit) {
      next = list.back()["location"];
      continue;
    }
    list.push_back({{"location", *it},
                    {"zone", location.location.zone},
                    {"type", domain::LocationTypeName(location.location.type)},
                    {"reason", location.flag},
                    {"units", location.units}});
  }
  return {{"counts", std::move(list)}, {"next", std::move(next)}, {"due", total}};
}

// The batch a device was given: its orders with the tote each has or still needs, and its
// open tasks in walk order.
StatusOr<json> BatchJson(const core::SiteState& state, const std::string& id,
                         const std::string& device) {
  const core::OrderBook& book = state.orders();
  const core::BatchState* batch = book.FindBatch(id);
  if (batch == nullptr) {
    return Error(StatusCode::kNotFound, "no_work", "the batch " + id + " is no longer there");
  }
  json orders = json::array();
  for (const std::string& order_id : batch->orders) {
    const core::OrderState* order = book.FindOrder(order_id);
    bool has_tote = order != nullptr && !order->tote.empty();
    orders.push_back({{"order", order_id},
                      {"tote", has_tote ? json(order->tote) : json(nullptr)},
                      {"needs_tote", !has_tote}});
  }
  json tasks = json::array();
  for (uint64_t task_id : batch->tasks) {
    const core::TaskState* task = book.FindTask(task_id);
    if (task == nullptr || task->Remaining() <= 0) {
      continue;
    }
    const domain::ItemKey& item = task->task.item;
    tasks.push_back({{"task", task_id},
                     {"order", task->task.order},
                     {"location", task->task.location},
                     {"gtin", item.gtin},
                     {"lot", OrNull(item.lot)},
                     {"expiry", OrNull(item.expiry)},
                     {"serial", OrNull(item.serial)},
                     {"quantity", task->Remaining()}});
  }
  return json{{"batch", id},
              {"device", device},
              {"orders", std::move(orders)},
              {"tasks", std::move(tasks)}};
}

json ReceiptJson(const core::ReceiptState& receipt) {
  json lines = json::array();
  for (const core::ReceiptLineState& line : receipt.lines) {
    lines.push_back({{"gtin", line.gtin},
                     {"expected", line.expected},
                     {"received", line.received},
                     {"difference", line.received - line.expected}});
  }
  json unexpected = json::array();
  for (const auto& [gtin, units] : receipt.unexpected) {
    unexpected.push_back({{"gtin", gtin}, {"received", units}});
  }
  return {{"id", receipt.id},
          {"supplier", receipt.supplier},
          {"expected", receipt.expected_at_ms == 0 ? json(nullptr) : Time(receipt.expected_at_ms)},
          {"status", receipt.closed ? "closed" : "open"},
          {"containers", receipt.containers},
          {"lines", std::move(lines)},
          {"unexpected", std::move(unexpected)}};
}

StatusOr<json> ReceiptByIdJson(const core::SiteState& state, const std::string& id) {
  const core::ReceiptState* receipt = state.orders().FindReceipt(id);
  if (receipt == nullptr) {
    return Error(StatusCode::kNotFound, "no_such_receipt", "there is no receipt " + id);
  }
  return ReceiptJson(*receipt);
}

// A load, and with `containers` what it carries: each container shipped on it with the order
// it was packed for (null for a pallet of parcels or an unpacked container): the lines of
// its bill of lading.
json LoadJson(const core::OrderBook& book, const core::LoadState& load, bool containers) {
  json out = {{"id", load.id},
              {"door", load.door},
              {"carrier", OrNull(load.carrier)},
              {"status", load.open() ? "open" : "departed"},
              {"opened", Time(load.opened_at_ms)},
              {"departed", load.open() ? json(nullptr) : Time(load.departed_at_ms)},
              {"container_count", load.containers.size()}};
  if (containers) {
    json list = json::array();
    for (const std::string& container : load.containers) {
      const core::OrderState* order = book.OrderOfParcel(container);
      list.push_back({{"id", container}, {"order", order ? json(order->id) : json(nullptr)}});
    }
    out["containers"] = std::move(list);
  }
  return out;
}

StatusOr<json> LoadByIdJson(const core::SiteState& state, const std::string& id) {
  const core::LoadState* load = state.orders().FindLoad(id);
  if (load == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_load", "there is no load " + id);
  }
  return LoadJson(state.orders(), *load, true);
}

// GET /api/v1/loads?status=open|departed&limit=&after=: loads by bill of lading after the
// cursor, without their containers; "next" is the cursor of the following page, or null.
struct LoadPage {
  std::optional<bool> open;
  PageCursor cursor;
};

StatusOr<LoadPage> ParseLoadPage(const std::string& target) {
  LoadPage page;
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> status, QueryParameter(target, "status"));
  if (status) {
    if (*status != "open" && *status != "departed") {
      return Invalid("bad_status", "status must be open or departed");
    }
    page.open = *status == "open";
  }
  ENTREPOT_ASSIGN_OR_RETURN(page.cursor, ParseCursor(target));
  return page;
}

json LoadListJson(const core::SiteState& state, const LoadPage& page) {
  return PageOf(
      state.orders().loads(), page.cursor, "loads",
      [&page](const core::LoadState& load) { return !page.open || load.open() == *page.open; },
      [&state](const core::LoadState& load) { return LoadJson(state.orders(), load, false); });
}

json DeliveredJson(const engine::OrderReply& reply) {
  json out = server::DeliveryOutcomeJson(reply.decision, reply.seq);
  out["summary"] = reply.decision.summary;
  return out;
}

json WorkloadJson(const core::WorkloadPlan& plan) {
  json zones = json::array();
  for (const core::ZoneWorkload& zone : plan.zones) {
    json open = json::object();
    for (int p = 0; p < core::kWorkProcessCount; ++p) {
      open[std::string(core::WorkProcessName(static_cast<core::WorkProcess>(p)))] =
          zone.open_units[p];
    }
    zones.push_back({{"zone", zone.zone},
                     {"open_units", std::move(open)},
                     {"work_hours", zone.work_hours},
                     {"needed", zone.needed},
                     {"planned", zone.planned},
                     {"gap", zone.gap}});
  }
  return {{"from", Time(plan.from_ms)},
          {"hours", plan.hours},
          {"zones", std::move(zones)},
          {"beyond_horizon_units", plan.beyond_horizon_units}};
}

json CutoffJson(const core::CutoffReport& report, bool measured) {
  json groups = json::array();
  for (const core::CutoffGroup& g : report.groups) {
    groups.push_back(
        {{"carrier", g.carrier},
         {"cutoff", Time(g.cutoff_ms)},
         {"orders", g.orders},
         {"units", g.units},
         {"reserved", g.reserved},
         {"released", g.allocated},
         {"picked", g.picked},
         {"packed", g.packed},
         {"shipped", g.shipped},
         {"short", g.shorted},
         {"work_left", g.work_left},
         {"projected_completion", g.projected_ms ? Time(*g.projected_ms) : json(nullptr)},
         {"at_risk", g.at_risk}});
  }
  return {{"at", Time(report.now_ms)},
          {"units_per_minute", measured ? json(report.units_per_minute) : json(nullptr)},
          {"cutoffs", std::move(groups)},
          {"cutoffs_truncated", report.groups_truncated},
          {"at_risk", report.at_risk},
          {"at_risk_truncated", report.at_risk_truncated}};
}

}  // namespace

void ApiHandler::HandleOrders(Route route, const std::string& parameter, const HttpRequest& request,
                              const auth::Principal& principal, Respond respond) {
  if (request.method != "GET" && !MediaTypeIs(request.content_type, "application/json")) {
    respond(ErrorResponse(UnsupportedMediaType("application/json")));
    return;
  }
  switch (route) {
    case Route::kOrders:
      if (request.method == "GET") {
        return ListOrders(request, std::move(respond));
      }
      return PlaceOrAmend(server::ParseOrderTerms(request.body, std::nullopt), true,
                          std::move(respond));
    case Route::kOrder:
      if (request.method == "GET") {
        return QueryOrders(
            [parameter](const core::SiteState& state) { return OrderByIdJson(state, parameter); },
            std::move(respond));
      }
      return PlaceOrAmend(server::ParseOrderTerms(request.body, parameter), false,
                          std::move(respond));
    case Route::kOrderCancel:
      return SubmitOrderCommand(
          core::CancelOrder{parameter}, std::move(respond),
          [parameter](const engine::OrderReply& reply) {
            return Json(200, {{"id", parameter}, {"status", "cancelled"}, {"seq", reply.seq}});
          });
    case Route::kRelease:
      return Release(request, std::move(respond));
    case Route::kNextTask:
      return NextTask(request, principal, std::move(respond));
    case Route::kCarrier: {
      StatusOr<core::DefineCarrier> carrier = server::ParseCarrier(parameter, request.body);
      if (!carrier.ok()) {
        return respond(ErrorResponse(carrier.status()));
      }
      json body = {{"carrier", carrier->carrier}, {"doors", carrier->doors}};
      return SubmitOrderCommand(*std::move(carrier), std::move(respond), Echo(200, body));
    }
    case Route::kReceipts: {
      StatusOr<core::ExpectReceipt> receipt = server::ParseReceipt(request.body);
      if (!receipt.ok()) {
        return respond(ErrorResponse(receipt.status()));
      }
      std::string id = receipt->id;
      return SubmitOrderCommand(
          *std::move(receipt), std::move(respond), [id](const engine::OrderReply& reply) {
            return Json(201, {{"id", id}, {"status", "open"}, {"seq", reply.seq}});
          });
    }
    case Route::kReceipt:
      return QueryOrders(
          [parameter](const core::SiteState& state) { return ReceiptByIdJson(state, parameter); },
          std::move(respond));
    case Route::kReceiptClose:
      return SubmitOrderCommand(
          core::CloseReceipt{parameter}, std::move(respond),
          [parameter](const engine::OrderReply& reply) {
            json differences = json::array();
            for (const core::ReceiptDifference& d : reply.decision.differences) {
              differences.push_back({{"gtin", d.gtin},
                                     {"expected", d.expected},
                                     {"received", d.received},
                                     {"difference", d.received - d.expected}});
            }
            return Json(200, {{"id", parameter},
                              {"status", "closed"},
                              {"summary", reply.decision.summary},
                              {"differences", std::move(differences)},
                              {"seq", reply.seq}});
          });
    case Route::kWorkload:
      return Workload(request, std::move(respond));
    case Route::kCounts:
      return Counts(request, std::move(respond));
    case Route::kPickFace: {
      StatusOr<core::DefinePickFace> face = server::ParsePickFace(parameter, request.body);
      if (!face.ok()) {
        return respond(ErrorResponse(face.status()));
      }
      json body = {{"location", face->location},
                   {"gtin", OrNull(face->gtin)},
                   {"min", face->min},
                   {"max", face->max}};
      return SubmitOrderCommand(*std::move(face), std::move(respond), Echo(200, body));
    }
    case Route::kReplenishments: {
      StatusOr<PageCursor> page = ParseCursor(request.target);
      if (!page.ok()) {
        return respond(ErrorResponse(page.status()));
      }
      return QueryOrders(
          [query = *std::move(page)](const core::SiteState& state) -> StatusOr<json> {
            return ReplenishmentsJson(state, query);
          },
          std::move(respond));
    }
    case Route::kReturns: {
      StatusOr<core::ReceiveReturn> received = server::ParseReturn(request.body);
      if (!received.ok()) {
        return respond(ErrorResponse(received.status()));
      }
      json body = {{"id", received->id}, {"order", received->order}};
      return SubmitOrderCommand(*std::move(received), std::move(respond),
                                Echo(201, body, /*with_summary=*/true));
    }
    case Route::kLoads:
    case Route::kLoad:
    case Route::kLoadClose:
    case Route::kDeliveries:
      return Loads(route, parameter, request, std::move(respond));
    default:
      return Cutoffs(request, std::move(respond));
  }
}

// Loads at the doors (a trailer under its bill of lading) and the deliveries confirmed by hand
// (a carrier's proof of delivery); the same command as a captured EPCIS receiving event.
void ApiHandler::Loads(Route route, const std::string& parameter, const HttpRequest& request,
                       Respond respond) {
  if (route == Route::kLoad) {
    return QueryOrders(
        [parameter](const core::SiteState& state) { return LoadByIdJson(state, parameter); },
        std::move(respond));
  }
  if (route == Route::kLoadClose) {
    return SubmitOrderCommand(core::CloseLoad{parameter, now_ms_()}, std::move(respond),
                              [parameter](const engine::OrderReply& reply) {
                                return Json(200, {{"id", parameter},
                                                  {"status", "departed"},
                                                  {"summary", reply.decision.summary},
                                                  {"seq", reply.seq}});
                              });
  }
  if (route == Route::kDeliveries) {
    StatusOr<core::ConfirmDeliveries> confirmed = server::ParseDeliveries(request.body, now_ms_());
    if (!confirmed.ok()) {
      return respond(ErrorResponse(confirmed.status()));
    }
    return SubmitOrderCommand(
        *std::move(confirmed), std::move(respond),
        [](const engine::OrderReply& reply) { return Json(200, DeliveredJson(reply)); });
  }
  if (request.method == "GET") {
    StatusOr<LoadPage> page = ParseLoadPage(request.target);
    if (!page.ok()) {
      return respond(ErrorResponse(page.status()));
    }
    return QueryOrders(
        [query = *std::move(page)](const core::SiteState& state) -> StatusOr<json> {
          return LoadListJson(state, query);
        },
        std::move(respond));
  }
  StatusOr<core::OpenLoad> load = server::ParseLoad(request.body, now_ms_());
  if (!load.ok()) {
    return respond(ErrorResponse(load.status()));
  }
  json body = {{"id", load->id},
               {"door", load->door},
               {"carrier", OrNull(load->carrier)},
               {"status", "open"},
               {"opened", Time(load->at_ms)}};
  SubmitOrderCommand(*std::move(load), std::move(respond), Echo(201, body));
}

void ApiHandler::Workload(const HttpRequest& request, Respond respond) {
  StatusOr<core::WorkloadRequest> plan = server::ParseWorkload(request.body, now_ms_());
  if (!plan.ok()) {
    return respond(ErrorResponse(plan.status()));
  }
  QueryOrders(
      [query = *std::move(plan)](const core::SiteState& state) -> StatusOr<json> {
        ENTREPOT_ASSIGN_OR_RETURN(core::WorkloadPlan built, core::PlanWorkload(state, query));
        return WorkloadJson(built);
      },
      std::move(respond));
}

void ApiHandler::Counts(const HttpRequest& request, Respond respond) {
  if (request.method == "GET") {
    StatusOr<CountPage> page = ParseCountPage(request.target);
    if (!page.ok()) {
      return respond(ErrorResponse(page.status()));
    }
    return QueryOrders(
        [query = *std::move(page)](const core::SiteState& state) -> StatusOr<json> {
          return CountListJson(state, query);
        },
        std::move(respond));
  }
  StatusOr<core::RequestCounts> counts = server::ParseCountRequest(request.body);
  if (!counts.ok()) {
    return respond(ErrorResponse(counts.status()));
  }
  SubmitOrderCommand(*std::move(counts), std::move(respond), [](const engine::OrderReply& reply) {
    return Json(200, {{"requested", reply.decision.counts},
                      {"summary", reply.decision.summary},
                      {"seq", reply.seq}});
  });
}

void ApiHandler::SubmitOrderCommand(core::OrderCommand command, Respond respond,
                                    std::function<HttpResponse(const engine::OrderReply&)> answer) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitOrder(
      std::move(command), now_ms_(),
      [shared, answer = std::move(answer)](StatusOr<engine::OrderReply> reply) {
        (*shared)(reply.ok() ? answer(*reply) : ErrorResponse(reply.status()));
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

void ApiHandler::QueryOrders(std::function<StatusOr<nlohmann::json>(const core::SiteState&)> read,
                             Respond respond) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitQuery(
      [shared, read = std::move(read)](StatusOr<const core::SiteState*> state) {
        if (!state.ok()) {
          (*shared)(ErrorResponse(state.status()));
          return;
        }
        StatusOr<json> body = read(**state);
        (*shared)(body.ok() ? Json(200, *body) : ErrorResponse(body.status()));
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

void ApiHandler::PlaceOrAmend(StatusOr<core::OrderTerms> terms, bool place, Respond respond) {
  if (!terms.ok()) {
    return respond(ErrorResponse(terms.status()));
  }
  core::OrderCommand command = place ? core::OrderCommand(core::PlaceOrder{*std::move(terms)})
                                     : core::OrderCommand(core::AmendOrder{*std::move(terms)});
  SubmitOrderCommand(std::move(command), std::move(respond),
                     [place](const engine::OrderReply& reply) {
                       return Json(place ? 201 : 200, PlacedJson(reply));
                     });
}

void ApiHandler::ListOrders(const HttpRequest& request, Respond respond) {
  StatusOr<OrderPage> page = ParseOrderPage(request.target);
  if (!page.ok()) {
    return respond(ErrorResponse(page.status()));
  }
  QueryOrders(
      [query = *std::move(page)](const core::SiteState& state) -> StatusOr<json> {
        return OrderListJson(state, query);
      },
      std::move(respond));
}

void ApiHandler::Release(const HttpRequest& request, Respond respond) {
  StatusOr<core::ReleaseOrders> release = server::ParseRelease(request.body);
  if (!release.ok()) {
    return respond(ErrorResponse(release.status()));
  }
  SubmitOrderCommand(*std::move(release), std::move(respond), [](const engine::OrderReply& reply) {
    return Json(200, {{"released", reply.decision.released},
                      {"batches", reply.decision.batches},
                      {"shortages", ShortagesJson(reply.decision.shortages)},
                      {"seq", reply.seq}});
  });
}

void ApiHandler::NextTask(const HttpRequest& request, const auth::Principal& principal,
                          Respond respond) {
  StatusOr<json> body = server::ParseOrderObject(request.body, {"device"});
  if (!body.ok()) {
    return respond(ErrorResponse(body.status()));
  }
  StatusOr<std::string> device = server::StringField(*body, "device");
  if (!device.ok()) {
    return respond(ErrorResponse(device.status()));
  }
  // A handheld asks for its own work only, as it posts its own scans.
  if (principal.kind == auth::Principal::Kind::kDevice && *device != principal.name) {
    return respond(ErrorResponse(
        Error(StatusCode::kPermissionDenied, "device_mismatch",
              "this token belongs to device " + principal.name + ", not " + *device)));
  }
  // The batch is described after its assignment commits, from the state at that point.
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitOrder(
      core::AssignBatch{*device}, now_ms_(),
      [this, shared, device = *device](StatusOr<engine::OrderReply> reply) {
        if (!reply.ok() || reply->decision.batches.empty()) {
          (*shared)(ErrorResponse(reply.ok() ? Error(StatusCode::kNotFound, "no_work",
                                                     "there is no released work to hand out")
                                             : reply.status()));
          return;
        }
        std::string batch = reply->decision.batches.front();
        QueryOrders([batch, device](
                        const core::SiteState& state) { return BatchJson(state, batch, device); },
                    [shared](HttpResponse response) { (*shared)(std::move(response)); });
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

void ApiHandler::Cutoffs(const HttpRequest& request, Respond respond) {
  StatusOr<std::optional<std::string>> at_text = QueryParameter(request.target, "at");
  if (!at_text.ok()) {
    return respond(ErrorResponse(at_text.status()));
  }
  int64_t at_ms = now_ms_();
  if (*at_text) {
    StatusOr<int64_t> parsed = wire::ParseRfc3339Ms(**at_text);
    if (!parsed.ok()) {
      return respond(ErrorResponse(parsed.status()));
    }
    at_ms = *parsed;
  }
  // Throughput: units moved in pick, pack and ship scans over the last hour, from the
  // movement index (the flow route's data). Without an index, or when it fails, nothing
  // is measured and the status says so (units_per_minute null).
  double per_minute = 0;
  bool measured = false;
  if (movements_ != nullptr) {
    StatusOr<server::FlowReport> flow = movements_->Flow(at_ms, kThroughputWindowMs);
    if (flow.ok()) {
      int64_t units = 0;
      for (const server::FlowTotal& total : flow->by_process) {
        if (total.key == "pick" || total.key == "pack" || total.key == "ship") {
          units += total.units;
        }
      }
      per_minute = static_cast<double>(units) / 60.0;
      measured = true;
    }
  }
  QueryOrders(
      [at_ms, per_minute, measured](const core::SiteState& state) -> StatusOr<json> {
        return CutoffJson(core::ComputeCutoffStatus(state.orders(), at_ms, per_minute), measured);
      },
      std::move(respond));
}

}  // namespace entrepot::api
