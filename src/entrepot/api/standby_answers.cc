#include "entrepot/api/standby_answers.h"

#include <nlohmann/json.hpp>

#include "entrepot/api/router.h"

namespace entrepot::api {

using json = nlohmann::json;

HttpResponse StandbyAnswer(const HttpRequest& request, const StandbyView& view) {
  std::string allow;
  const StatusOr<RouteMatch> route = MatchRoute(request.method, request.target, &allow);
  if (route.ok() && route->route == Route::kHealth) {
    json site = {{"site", view.site}, {"role", view.standby ? "standby" : "starting"}};
    if (view.standby) {
      site["active_node"] = view.active_node;
      site["lease_token"] = view.lease_token;
      site["lease_expires_in_ms"] = view.lease_expires_in_ms;
    }
    json body = {{"status", view.standby ? "standby" : "starting"},
                 {"sites", json::array({std::move(site)})}};
    return HttpResponse{503, "application/json", body.dump(), "", ""};
  }
  if (view.standby) {
    return ApiHandler::ErrorResponse(
        Error(StatusCode::kUnavailable, "node_standby",
              "this node is a standby for site " + view.site + "; the active node is " +
                  view.active_node + ": send requests there (this node takes over if it stops)"));
  }
  return ApiHandler::ErrorResponse(
      Error(StatusCode::kUnavailable, "node_starting",
            "this node is opening site " + view.site + ": retry in a few seconds"));
}

}  // namespace entrepot::api
