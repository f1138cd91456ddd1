// The movement routes of ApiHandler: a unit's history and the flow per zone and process.
// Both read the derived movement index (server/movement_index.h) on the network thread,
// never the sequencer: the index has its own connection and answers at once with what it
// has indexed so far (`indexed_seq` in every body), at most about a tenth of a second behind.
// Neither carries a device, a key or a worker identity (rule RET-01).
#include <optional>
#include <utility>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/movement_json.h"

namespace entrepot::api {
namespace {

constexpr std::string_view kDefaultFlowWindow = "15m";

HttpResponse Json(const nlohmann::json& body) {
  return HttpResponse{200, "application/json", DumpJson(body) + "\n", "", ""};
}

StatusOr<nlohmann::json> History(server::MovementIndex& index, const std::string& code,
                                 const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> limit_text, QueryParameter(target, "limit"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> before_text,
                            QueryParameter(target, "before"));
  int64_t limit = server::kDefaultHistoryLimit;
  if (limit_text) {
    ENTREPOT_ASSIGN_OR_RETURN(limit, server::ParseHistoryLimit(*limit_text));
  }
  std::optional<server::HistoryCursor> before;
  if (before_text) {
    ENTREPOT_ASSIGN_OR_RETURN(before, server::ParseHistoryCursor(*before_text));
  }
  ENTREPOT_ASSIGN_OR_RETURN(server::HistoryPage page, index.Lookup(code, before, limit));
  return server::HistoryJson(page);
}

StatusOr<nlohmann::json> Flow(server::MovementIndex& index, const std::string& target,
                              int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> window_text,
                            QueryParameter(target, "window"));
  ENTREPOT_ASSIGN_OR_RETURN(
      int64_t window_ms,
      server::ParseFlowWindow(window_text.value_or(std::string(kDefaultFlowWindow))));
  ENTREPOT_ASSIGN_OR_RETURN(server::FlowReport report, index.Flow(now_ms, window_ms));
  nlohmann::json body = server::FlowJson(report);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> step_text, QueryParameter(target, "step"));
  if (step_text) {
    StatusOr<int64_t> step_ms = server::ParseFlowWindow(*step_text);
    if (!step_ms.ok()) {
      return Error(StatusCode::kInvalidArgument, "bad_step",
                   "step=" + *step_text + " is not a duration such as 5m or 1h");
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<server::FlowReport> buckets,
                              index.FlowSeries(now_ms, window_ms, *step_ms));
    body["series"] = server::FlowSeriesJson(buckets);
  }
  return body;
}

}  // namespace

HttpResponse ApiHandler::HandleMovements(Route route, const std::string& parameter,
                                         const HttpRequest& request) {
  if (movements_ == nullptr) {
    return ErrorResponse(
        Error(StatusCode::kUnavailable, "index_unavailable", "this server has no movement index"));
  }
  // No waiting for the index here: a network thread never blocks. The body's indexed_seq
  // tells a client whether its own last scan is in yet.
  StatusOr<nlohmann::json> body = route == Route::kUnitHistory
                                      ? History(*movements_, parameter, request.target)
                                      : Flow(*movements_, request.target, now_ms_());
  return body.ok() ? Json(*body) : ErrorResponse(body.status());
}

}  // namespace entrepot::api
