// The master-data routes of ApiHandler: PUT of a zone, location, product or container
// (admin). The body is parsed on the network thread; the change is decided by the sequencer
// against the live state, in its place among the scans, and answered after its commit.
#include <memory>
#include <utility>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/server/master_data_json.h"

namespace entrepot::api {
namespace {

server::MasterDataKind KindOf(Route route) {
  switch (route) {
    case Route::kZone:
      return server::MasterDataKind::kZone;
    case Route::kLocation:
      return server::MasterDataKind::kLocation;
    case Route::kProduct:
      return server::MasterDataKind::kProduct;
    default:
      return server::MasterDataKind::kContainer;
  }
}

}  // namespace

void ApiHandler::HandleMasterDataPut(Route route, const std::string& id, const HttpRequest& request,
                                     std::function<void(HttpResponse)> respond) {
  if (!MediaTypeIs(request.content_type, "application/json")) {
    respond(ErrorResponse(UnsupportedMediaType("application/json")));
    return;
  }
  StatusOr<core::MasterDataChange> change =
      server::ParseMasterDataChange(KindOf(route), id, request.body);
  if (!change.ok()) {
    respond(ErrorResponse(change.status()));
    return;
  }
  auto shared = std::make_shared<std::function<void(HttpResponse)>>(std::move(respond));
  Status submitted = sequencer_.SubmitMasterData(
      *std::move(change), now_ms_(), [shared](StatusOr<engine::MasterDataReply> reply) {
        if (!reply.ok()) {
          (*shared)(ErrorResponse(reply.status()));
          return;
        }
        unsigned status = reply->outcome == core::MasterDataOutcome::kCreated ? 201 : 200;
        (*shared)(HttpResponse{status, "application/json",
                               DumpJson(server::MasterDataReplyJson(*reply)) + "\n", "", ""});
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

}  // namespace entrepot::api
