// The EPCIS 2.0 routes of ApiHandler: the parts of GS1's EPCIS 2.0 REST binding a WMS needs.
//   POST /epcis/capture             an EPCISDocument -> 202, the capture job, Location
//   GET  /epcis/capture/{captureID} the capture job
//   GET  /epcis/events              an EPCISQueryDocument, paged (Link: rel="next")
//   GET  /epcis/events/{eventID}    one event, as an EPCISQueryDocument
// They run on the network thread against the EPCIS repository (server/epcis_repository.h),
// which has its own SQLite connections; a capture is done, job and all, when it is answered.
// A capture that stored every event also opens the receipts of the partner shipments it
// announces and records the deliveries of this site's parcels it confirms (order commands
// through the sequencer, epcis/partner_shipments.h), and lists their outcomes in its answer.
// Every answer carries GS1-EPCIS-Version and GS1-CBV-Version. The events carry what happened
// to goods, never a worker or a device (RET-01: the site's events come from the journal
// through epcis::EpcisMapper).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/core/orders.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/partner_shipments.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/order_json.h"
#include "entrepot/server/sequencer.h"

namespace entrepot::api {
using Respond = std::function<void(HttpResponse)>;

namespace {

using nlohmann::json;

constexpr std::string_view kEpcisVersion = "2.0.0";
constexpr std::string_view kCbvVersion = "2.0.0";
constexpr std::string_view kQueryName = "SimpleEventQuery";
constexpr std::string_view kBehaviourParameter = "GS1-Capture-Error-Behaviour";
constexpr std::string_view kPageTokenParameter = "nextPageToken";

static_assert(server::kMaxCaptureBodyBytes == kMaxBodyBytes,
              "a capture takes what the server accepts as a body");

HttpResponse Answer(unsigned status, std::string_view content_type, const json& body) {
  HttpResponse response{status, std::string(content_type), DumpJson(body) + "\n", "", ""};
  return response;
}

// The error response of the EPCIS routes: the API's, but a document with too many events
// is 413 as a body too large is (retrying the same document cannot help).
HttpResponse EpcisError(const Status& status) {
  HttpResponse response = ApiHandler::ErrorResponse(status);
  if (status.reason() == "too_many_events") {
    response.status = 413;
  }
  return response;
}

bool IsEpcisMediaType(std::string_view content_type) {
  return MediaTypeIs(content_type, "application/ld+json") ||
         MediaTypeIs(content_type, "application/json");
}

// The header, else the parameter of that name (some clients send the binding's headers as
// query parameters), else rollback.
StatusOr<server::CaptureBehaviour> BehaviourOf(const HttpRequest& request) {
  std::string text = request.capture_error_behaviour;
  if (text.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> parameter,
                              QueryParameter(request.target, kBehaviourParameter));
    text = parameter.value_or("");
  }
  return text.empty() ? server::CaptureBehaviour::kRollback : server::ParseCaptureBehaviour(text);
}

// The EPCISQueryDocument of `page`; the namespaces of its user extensions join @context.
json QueryDocument(server::EventPage page, int64_t now_ms) {
  json document = epcis::MakeQueryDocument(std::move(page.events), kQueryName, now_ms);
  if (!page.namespaces.empty()) {
    json& context = document["@context"];
    if (!context.is_array()) {
      context = context.is_null() ? json::array({epcis::kEpcisContext}) : json::array({context});
    }
    context.push_back(std::move(page.namespaces));
  }
  return document;
}

// The Link header to the next page: the request's own parameters, in order, with the token.
std::string NextLink(std::string_view target, std::string_view token) {
  const size_t question = target.find('?');
  std::string link = "<" + std::string(target.substr(0, question)) + "?";
  std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (!pair.empty() && pair.substr(0, pair.find('=')) != kPageTokenParameter) {
      link += std::string(pair) + "&";
    }
  }
  // The token is digits, '-' and hex digits: nothing to escape.
  return link + std::string(kPageTokenParameter) + "=" + std::string(token) + ">; rel=\"next\"";
}

// A capture's answer waiting for the order commands it submitted (receipts, deliveries):
// each reply fills its entry of the job; the last one hands the job on to `then`.
struct PendingCommands {
  std::mutex mutex;
  json job;
  size_t left = 0;
  std::function<void(json)> then;
};

void ErrorEntry(json& entry, const Status& status) {
  entry["error"] = {{"code", status.reason()}, {"message", status.message()}};
}

// Submits `command` for entry `index` of pending->job[list]: `outcome` writes its committed
// reply there, a refusal becomes the entry's "error". REQUIRES: pending->left counts it.
void SubmitForEntry(server::Sequencer& sequencer, int64_t now_ms, core::OrderCommand command,
                    std::shared_ptr<PendingCommands> pending, const char* list, size_t index,
                    std::function<void(json&, const engine::OrderReply&)> outcome) {
  auto finish = [pending, list, index](const std::function<void(json&)>& fill) {
    std::unique_lock lock(pending->mutex);
    fill(pending->job[list][index]);
    if (--pending->left == 0) {
      json job = std::move(pending->job);
      lock.unlock();
      pending->then(std::move(job));
    }
  };
  Status submitted = sequencer.SubmitOrder(
      std::move(command), now_ms,
      [finish, outcome = std::move(outcome)](StatusOr<engine::OrderReply> reply) {
        finish([&reply, &outcome](json& entry) {
          if (reply.ok()) {
            outcome(entry, *reply);
          } else {
            ErrorEntry(entry, reply.status());
          }
        });
      });
  if (!submitted.ok()) {
    finish([&submitted](json& entry) { ErrorEntry(entry, submitted); });
  }
}

// Lists the outcomes to come as job[list]: `entries`, one per command to submit, then one per
// problem with its error. Hands the job on at once when there is nothing to wait for (and
// without `list` when there is nothing to list); otherwise sets pending.job and pending.left
// and returns true: the commands are to be submitted.
bool ListOutcomes(PendingCommands& pending, json job, const char* list, json entries,
                  const std::vector<epcis::PartnerShipmentProblem>& problems) {
  if (entries.empty() && problems.empty()) {
    pending.then(std::move(job));
    return false;
  }
  const size_t commands = entries.size();
  for (const epcis::PartnerShipmentProblem& problem : problems) {
    entries.push_back({{"eventID", problem.event_id},
                       {"error", {{"code", problem.reason}, {"message", problem.message}}}});
  }
  job[list] = std::move(entries);
  if (commands == 0) {
    pending.then(std::move(job));
    return false;
  }
  pending.left = commands;
  pending.job = std::move(job);
  return true;
}

// Records the deliveries a captured document confirms (epcis/partner_shipments.h), one
// core::ConfirmDeliveries per event, lists their outcomes in job["deliveries"] (none when
// the document confirms none), and answers 202 with the job.
void ConfirmPartnerDeliveries(server::Sequencer& sequencer, int64_t now_ms,
                              epcis::PartnerDeliveries found, json job, const std::string& location,
                              const Respond& respond) {
  auto pending = std::make_shared<PendingCommands>();
  pending->then = [location, respond](json answered) {
    HttpResponse response = Answer(202, "application/json", answered);
    response.location = location;
    respond(std::move(response));
  };
  json entries = json::array();
  for (const epcis::PartnerDelivery& delivery : found.deliveries) {
    entries.push_back({{"eventID", delivery.event_id}, {"partner", delivery.partner}});
  }
  if (!ListOutcomes(*pending, std::move(job), "deliveries", std::move(entries), found.problems)) {
    return;
  }
  for (size_t i = 0; i < found.deliveries.size(); ++i) {
    epcis::PartnerDelivery& delivery = found.deliveries[i];
    core::ConfirmDeliveries command{std::move(delivery.parcels), delivery.delivered_at_ms,
                                    std::move(delivery.partner)};
    SubmitForEntry(sequencer, now_ms, std::move(command), pending, "deliveries", i,
                   [](json& entry, const engine::OrderReply& reply) {
                     entry.update(server::DeliveryOutcomeJson(reply.decision, reply.seq));
                   });
  }
}

}  // namespace

HttpResponse ApiHandler::HandleEpcis(Route route, const std::string& parameter,
                                     const HttpRequest& request) {
  HttpResponse response;
  if (epcis_ == nullptr) {
    response = EpcisError(Error(StatusCode::kUnavailable, "epcis_unavailable",
                                "this server has no EPCIS repository (see the server's log)"));
  } else if (route == Route::kEpcisEvents) {
    response = EpcisQuery(request);
  } else if (route == Route::kEpcisCaptureJob) {
    StatusOr<server::CaptureJob> job = epcis_->GetCaptureJob(parameter);
    response = job.ok() ? Answer(200, "application/json", server::CaptureJobJson(*job))
                        : EpcisError(job.status());
  } else {
    StatusOr<server::EventPage> page = epcis_->GetEvent(parameter);
    response = page.ok()
                   ? Answer(200, "application/ld+json", QueryDocument(*std::move(page), now_ms_()))
                   : EpcisError(page.status());
  }
  response.epcis_version = kEpcisVersion;
  response.cbv_version = kCbvVersion;
  return response;
}

void ApiHandler::EpcisCapture(const HttpRequest& request, Respond respond_plain) {
  // Every answer of the EPCIS routes names the standard's versions (as HandleEpcis does).
  Respond respond = [respond_plain = std::move(respond_plain)](HttpResponse response) {
    response.epcis_version = kEpcisVersion;
    response.cbv_version = kCbvVersion;
    respond_plain(std::move(response));
  };
  if (!IsEpcisMediaType(request.content_type)) {
    respond(EpcisError(UnsupportedMediaType("application/ld+json or application/json")));
    return;
  }
  StatusOr<server::CaptureBehaviour> behaviour = BehaviourOf(request);
  if (!behaviour.ok()) {
    respond(EpcisError(behaviour.status()));
    return;
  }
  StatusOr<server::CaptureJob> job = epcis_->Capture(request.body, *behaviour, now_ms_());
  if (!job.ok()) {
    respond(EpcisError(job.status()));
    return;
  }
  // A partner's shipments to this site become receipts, and its receipts of this site's
  // parcels delivery confirmations, once every event is stored; a document captured again
  // (nothing new) does neither.
  if (job->error_count == 0 && job->captured_count > 0) {
    OpenPartnerReceipts(request.body, server::CaptureJobJson(*job), "/epcis/capture/" + job->id,
                        std::move(respond));
    return;
  }
  // 202 as the binding says, though the job is already done: its state tells the outcome.
  HttpResponse response = Answer(202, "application/json", server::CaptureJobJson(*job));
  response.location = "/epcis/capture/" + job->id;
  respond(std::move(response));
}

void ApiHandler::OpenPartnerReceipts(std::string_view body, json job, std::string location,
                                     Respond respond) {
  const json document = json::parse(body, nullptr, false);
  epcis::PartnerShipments found = epcis::ReadPartnerShipments(document, epcis_->ids());
  // Once every receipt command is answered: the deliveries the document confirms, then the
  // answer.
  auto pending = std::make_shared<PendingCommands>();
  pending->then = [&sequencer = sequencer_, now_ms = now_ms_,
                   deliveries = epcis::ReadPartnerDeliveries(document),
                   location = std::move(location), respond = std::move(respond)](json answered) {
    ConfirmPartnerDeliveries(sequencer, now_ms(), deliveries, std::move(answered), location,
                             respond);
  };
  // One entry per shipment, in document order, then the shipments that could not become
  // receipts; no "receipts" when nothing is for this site's inbound.
  json entries = json::array();
  for (const epcis::PartnerShipment& shipment : found.shipments) {
    entries.push_back({{"eventID", shipment.event_id}, {"receipt", shipment.receipt_id}});
  }
  if (!ListOutcomes(*pending, std::move(job), "receipts", std::move(entries), found.problems)) {
    return;
  }
  for (size_t i = 0; i < found.shipments.size(); ++i) {
    epcis::PartnerShipment& shipment = found.shipments[i];
    core::ExpectReceipt receipt{.id = shipment.receipt_id,
                                .supplier = shipment.supplier,
                                .expected_at_ms = 0,
                                .lines = {},
                                .containers = std::move(shipment.containers)};
    for (const epcis::PartnerShipmentLine& line : shipment.lines) {
      receipt.lines.push_back({line.gtin, line.quantity});
    }
    SubmitForEntry(sequencer_, now_ms_(), std::move(receipt), pending, "receipts", i,
                   [](json& entry, const engine::OrderReply& reply) {
                     entry["outcome"] = "opened";
                     entry["seq"] = reply.seq;
                   });
  }
}

HttpResponse ApiHandler::EpcisQuery(const HttpRequest& request) {
  StatusOr<std::vector<std::pair<std::string, std::string>>> parameters =
      QueryParameters(request.target);
  if (!parameters.ok()) {
    return EpcisError(parameters.status());
  }
  StatusOr<server::EventQuery> query = server::ParseEventQuery(*parameters);
  if (!query.ok()) {
    return EpcisError(query.status());
  }
  StatusOr<server::EventPage> page = epcis_->Query(*query);
  if (!page.ok()) {
    return EpcisError(page.status());
  }
  std::optional<std::string> token = page->next_page_token;
  HttpResponse response =
      Answer(200, "application/ld+json", QueryDocument(*std::move(page), now_ms_()));
  if (token) {
    response.link = NextLink(request.target, *token);
  }
  return response;
}

}  // namespace entrepot::api
