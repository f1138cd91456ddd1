#include "entrepot/api/api_handler.h"

#include <charconv>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/api/audit_trail.h"
#include "entrepot/api/event_routes.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/openapi.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/server/master_data_json.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/wire/scan_record.h"

namespace entrepot::api {
namespace {

using nlohmann::json;
using Respond = std::function<void(HttpResponse)>;

HttpResponse JsonResponse(const json& body) {
  return HttpResponse{200, "application/json", DumpJson(body) + "\n", "", ""};
}

// Appends `text` as a JSON string, as DumpJson writes it: plain printable ASCII as is, the
// rest through nlohmann::json (escapes, UTF-8, invalid bytes replaced).
void AppendJsonString(std::string& out, std::string_view text) {
  // Every byte is looked at, without an early exit, so that the loop has no branch.
  bool plain = true;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    plain &= (byte >= 0x20) & (byte < 0x7f) & (byte != '"') & (byte != '\\');
  }
  if (!plain) {
    out += DumpJson(json(text));
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

// Appends a scan's reply as one JSON line without its newline, the keys in DumpJson's
// (sorted) order, with "line" first when given. Written directly rather than through a json
// object: the batch route writes one per scan, up to 300,000 a second.
// Appends the decimal digits of `value`.
void AppendNumber(std::string& out, uint64_t value) {
  char digits[20];
  const std::to_chars_result written = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, written.ptr);
}

void AppendReplyLine(std::string& out, const engine::ScanReply& reply,
                     std::optional<size_t> line = std::nullopt) {
  out += '{';
  if (line) {
    out += "\"line\":";
    AppendNumber(out, *line);
    out += ',';
  }
  out += "\"message\":";
  AppendJsonString(out, reply.reply.message);
  out += ",\"outcome\":\"";
  out += core::OutcomeName(reply.reply.outcome);  // A fixed name: lower case and '_'.
  out += '"';
  out += ",\"prompt\":";
  AppendJsonString(out, reply.reply.prompt);
  out += ",\"replayed\":";
  out += reply.replayed ? "true" : "false";
  out += ",\"seq\":";
  AppendNumber(out, reply.seq);
  out += '}';
}

HttpResponse ReplyResponse(const engine::ScanReply& reply) {
  HttpResponse response{200, "application/json", "", "", ""};
  response.body.reserve(96 + reply.reply.message.size() + reply.reply.prompt.size());
  AppendReplyLine(response.body, reply);
  response.body += '\n';
  return response;
}

// A device posts its own scans only: its sequence state is keyed by the record's device.
StatusOr<core::ScanCommand> ToCommand(StatusOr<wire::ScanRecord> record, int64_t now_ms,
                                      const auth::Principal& device) {
  if (!record.ok()) {
    return record.status();
  }
  if (record->device != device.name) {
    return Error(StatusCode::kPermissionDenied, "device_mismatch",
                 "this token belongs to device " + device.name + ", not " + record->device);
  }
  StatusOr<core::Mode> mode = core::ParseMode(record->mode);
  if (!mode.ok()) {
    return mode.status();
  }
  return core::ScanCommand{std::move(record->id), std::move(record->device), *mode,
                           std::move(record->code), record->at_ms.value_or(now_ms)};
}

// The body of a read-only route over the site state (run on the sequencer thread).
StatusOr<json> QueryJson(Route route, const core::SiteState& state, const std::string& parameter) {
  switch (route) {
    case Route::kLocationStock:
      return LocationStockJson(state, parameter);
    case Route::kProductStock:
      return ProductStockJson(state, parameter);
    case Route::kContainer:
      return ContainerStockJson(state, parameter);
    case Route::kZones:
      return server::ZonesJson(state);
    case Route::kZone:
      return server::ZoneJson(state, parameter);
    case Route::kLocation:
      return server::LocationJson(state, parameter);
    case Route::kProduct:
      return server::ProductJson(state, parameter);
    default:
      return SummaryJson(state);
  }
}

// The pages load their scripts and styles from this server only and talk to its API only.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; img-src 'self' data:; media-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'";

HttpResponse PageResponse(const WebAsset& page) {
  HttpResponse response{200, page.content_type, page.body, "", ""};
  response.cache_control = page.cache_control;
  response.content_security_policy = std::string(kPagePolicy);
  return response;
}

}  // namespace

const WebAsset* ApiHandler::WebPage(const HttpRequest& request, const Status& unmatched) const {
  if (web_ == nullptr || request.method != "GET" || unmatched.reason() != "not_found") {
    return nullptr;
  }
  return web_->Find(request.target);
}

ApiHandler::ApiHandler(server::Sequencer& sequencer, Metrics& metrics, auth::AccountStore& accounts,
                       std::string site_code, std::function<int64_t()> now_ms, ApiServices services)
    : sequencer_(sequencer),
      metrics_(metrics),
      accounts_(accounts),
      site_code_(std::move(site_code)),
      now_ms_(std::move(now_ms)),
      events_(services.events),
      movements_(services.movements),
      audit_(services.audit),
      labor_(services.labor),
      labor_recorder_(services.labor_recorder),
      policy_(services.policy),
      epcis_(services.epcis),
      web_(services.web),
      lease_(std::move(services.lease)) {
  InitPrivacy();
}

HttpResponse ApiHandler::ErrorResponse(const Status& status) {
  HttpResponse response{HttpStatusOf(status), "application/json", ErrorBody(status), "", ""};
  if (status.code() == StatusCode::kUnauthenticated && status.reason() != "bad_credentials") {
    response.www_authenticate = "Bearer realm=\"entrepot\"";
  }
  return response;
}

StatusOr<auth::Principal> ApiHandler::Authenticate(const HttpRequest& request) {
  std::string_view header(request.authorization);
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.substr(0, kScheme.size()) != kScheme) {
    return Error(StatusCode::kUnauthenticated, "unauthenticated",
                 "this route needs a token: Authorization: Bearer <token> (POST /api/v1/login)");
  }
  return accounts_.Authenticate(std::string(header.substr(kScheme.size())));
}

void ApiHandler::Handle(HttpRequest request, Respond done) {
  auto start = std::chrono::steady_clock::now();
  std::string allow;
  StatusOr<RouteMatch> match = MatchRoute(request.method, request.target, &allow);
  Route route = match.ok() ? match->route : Route::kUnmatched;
  // Every response is counted once, with the time from here to its completion.
  Respond respond = [this, route, start, done = std::move(done)](HttpResponse response) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    metrics_.CountRequest(route, response.status, took.count());
    done(std::move(response));
  };
  if (!match.ok()) {
    if (const WebAsset* page = WebPage(request, match.status()); page != nullptr) {
      respond(PageResponse(*page));
      return;
    }
    HttpResponse response = ErrorResponse(match.status());
    response.allow = allow;
    respond(std::move(response));
    return;
  }
  auth::Permission permission = RoutePermission(match->route, request.method);
  auth::Principal principal;
  if (permission != auth::Permission::kPublic) {
    StatusOr<auth::Principal> authenticated = Authenticate(request);
    Status allowed = authenticated.ok() ? auth::Authorize(*authenticated, permission, site_code_)
                                        : authenticated.status();
    if (!allowed.ok()) {
      // A refused attempt at personal data is audited too (RET-03).
      Audited(PersonalDataAccess(match->route, request, match->parameter,
                                 authenticated.ok() ? &*authenticated : nullptr, now_ms_()),
              std::move(respond))(ErrorResponse(allowed));
      return;
    }
    principal = *std::move(authenticated);
  }
  respond =
      Audited(PersonalDataAccess(match->route, request, match->parameter, &principal, now_ms_()),
              std::move(respond));
  Dispatch(match->route, std::move(match->parameter), request, principal, std::move(respond));
}

void ApiHandler::Dispatch(Route route, std::string parameter, HttpRequest& request,
                          const auth::Principal& principal, Respond respond) {
  switch (route) {
    case Route::kHealth:
      respond(Health());
      return;
    case Route::kOpenApi:
      respond(HttpResponse{200, "application/json", std::string(OpenApiDocument()), "", ""});
      return;
    case Route::kMetrics:
      respond(HttpResponse{
          200, "text/plain; version=0.0.4",
          metrics_.Render(sequencer_.queue_depth(), sequencer_.last_seq(), sequencer_.healthy()),
          "", ""});
      return;
    case Route::kScan:
    case Route::kScanBatch:
      // TRN-01: no scan while the worker signed in here has not acknowledged the notice.
      if (Status gate = NoticeGate(principal); !gate.ok()) {
        respond(ErrorResponse(gate));
      } else if (route == Route::kScan) {
        HandleScan(request, principal, std::move(respond));
      } else {
        HandleBatch(request, principal, std::move(respond));
      }
      return;
    case Route::kContainer:
    case Route::kZone:
    case Route::kLocation:
    case Route::kProduct:
      if (request.method == "PUT") {
        HandleMasterDataPut(route, parameter, request, std::move(respond));
        return;
      }
      HandleQuery(route, std::move(parameter), std::move(respond));
      return;
    case Route::kSiteStock:
    case Route::kLocationStock:
    case Route::kProductStock:
    case Route::kZones:
      HandleQuery(route, std::move(parameter), std::move(respond));
      return;
    case Route::kUnitHistory:
    case Route::kFlow:
      respond(HandleMovements(route, parameter, request));
      return;
    case Route::kLaborMe:
    case Route::kLaborTeam:
    case Route::kLaborAggregates:
    case Route::kLaborAssignments:
    case Route::kLaborWorkerWeeks:
      respond(HandleLabor(route, parameter, request, principal));
      return;
    case Route::kEpcisCapture:
    case Route::kEpcisCaptureJob:
    case Route::kEpcisEvents:
    case Route::kEpcisEvent:
      if (route == Route::kEpcisCapture && epcis_ != nullptr) {
        EpcisCapture(request, std::move(respond));
        return;
      }
      respond(HandleEpcis(route, parameter, request));
      return;
    case Route::kOrders:
    case Route::kOrder:
    case Route::kOrderCancel:
    case Route::kRelease:
    case Route::kNextTask:
    case Route::kCarrier:
    case Route::kCutoffs:
    case Route::kReceipts:
    case Route::kReceipt:
    case Route::kReceiptClose:
    case Route::kWorkload:
    case Route::kCounts:
    case Route::kReturns:
    case Route::kPickFace:
    case Route::kReplenishments:
    case Route::kLoads:
    case Route::kLoad:
    case Route::kLoadClose:
    case Route::kDeliveries:
      HandleOrders(route, parameter, request, principal, std::move(respond));
      return;
    case Route::kNoticeAck:
    case Route::kPrivacyNotice:
    case Route::kPrivacyPolicy:
    case Route::kPrivacyRecord:
    case Route::kPrivacyRetention:
    case Route::kAudit:
      respond(HandlePrivacy(route, request, principal));
      return;
    case Route::kEvents:
      respond(events_ != nullptr
                  ? events_->Handle(request)
                  : ErrorResponse(Error(StatusCode::kUnavailable, "events_unavailable",
                                        "this server has no event feed")));
      return;
    default:
      respond(HandleAccounts(route, parameter, request, principal));
      return;
  }
}

Respond ApiHandler::Audited(std::optional<privacy::AuditRecord> record, Respond respond) {
  if (!record || audit_ == nullptr) {
    return respond;
  }
  return [this, record = *std::move(record),
          respond = std::move(respond)](HttpResponse response) mutable {
    RecordOutcome(response, record);
    if (StatusOr<uint64_t> appended = audit_->Append(record); !appended.ok()) {
      // Fail closed: personal data is not shown unless its reading is on record.
      response = ErrorResponse(
          Error(StatusCode::kUnavailable, "audit_unavailable",
                "the audit log could not record this request (" + appended.status().message() +
                    "); nothing is shown, but a change may have been made: check before retrying"));
    }
    respond(std::move(response));
  };
}

// The node's role for each site it serves (one per node today): "active", or "lease_lost"
// once another node may have taken the site over.
HttpResponse ApiHandler::Health() const {
  std::string status = sequencer_.healthy() ? "ok" : "failed";
  json site = {{"site", site_code_}, {"role", "active"}};
  if (lease_) {
    const NodeLease lease = lease_();
    site["node"] = lease.node;
    site["lease_token"] = lease.token;
    if (!lease.lost.empty()) {
      site["role"] = "lease_lost";
      site["reason"] = lease.lost;
      status = "lease_lost";
    }
  }
  json body = {{"status", status},
               {"last_seq", sequencer_.last_seq()},
               {"sites", json::array({std::move(site)})}};
  HttpResponse response = JsonResponse(body);
  response.status = status == "ok" ? 200 : 503;
  return response;
}

void ApiHandler::HandleScan(HttpRequest& request, const auth::Principal& device, Respond respond) {
  if (!MediaTypeIs(request.content_type, "application/json")) {
    respond(ErrorResponse(UnsupportedMediaType("application/json")));
    return;
  }
  if (request.body.size() > wire::kMaxRecordBytes) {
    respond(ErrorResponse(
        Error(StatusCode::kResourceExhausted, "body_too_large",
              "a scan record has at most " + std::to_string(wire::kMaxRecordBytes) + " bytes")));
    return;
  }
  StatusOr<core::ScanCommand> command =
      ToCommand(wire::ParseScanRecord(request.body), now_ms_(), device);
  if (!command.ok()) {
    respond(ErrorResponse(command.status()));
    return;
  }
  std::vector<core::ScanCommand> commands;
  commands.push_back(*std::move(command));
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitScans(
      std::move(commands), [this, shared](StatusOr<std::vector<engine::ScanReply>> replies) {
        if (!replies.ok()) {
          (*shared)(ErrorResponse(replies.status()));
          return;
        }
        metrics_.CountOutcome(replies->front().reply.outcome);
        (*shared)(ReplyResponse(replies->front()));
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

void ApiHandler::HandleBatch(HttpRequest& request, const auth::Principal& device, Respond respond) {
  if (!MediaTypeIs(request.content_type, "application/x-ndjson")) {
    respond(ErrorResponse(UnsupportedMediaType("application/x-ndjson")));
    return;
  }
  // One output line per non-blank input line, in input order: a scan's reply (after the
  // commit) or a malformed-line error (written now).
  struct Line {
    size_t number;  // Input line number.
    size_t error;   // Index in `errors`, or kScan: the next reply.
  };
  static constexpr size_t kScan = std::numeric_limits<size_t>::max();
  struct Batch {
    std::vector<Line> lines;
    std::vector<std::string> errors;
  };
  auto batch = std::make_shared<Batch>();
  std::vector<core::ScanCommand> commands;
  std::string_view body(request.body);
  int64_t now_ms = now_ms_();
  size_t line_number = 0;
  while (!body.empty()) {
    size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;  // Blank lines are allowed between records.
    }
    if (batch->lines.size() == kMaxBatchLines) {
      respond(ErrorResponse(Error(
          StatusCode::kResourceExhausted, "too_many_lines",
          "a batch has at most " + std::to_string(kMaxBatchLines) + " scan records; split it")));
      return;
    }
    StatusOr<core::ScanCommand> command = ToCommand(wire::ParseScanRecord(line), now_ms, device);
    if (!command.ok()) {
      batch->lines.push_back({line_number, batch->errors.size()});
      batch->errors.push_back(DumpJson(
          {{"line", line_number},
           {"error",
            {{"code", command.status().reason()}, {"message", command.status().message()}}}}));
      continue;
    }
    batch->lines.push_back({line_number, kScan});
    commands.push_back(*std::move(command));
  }
  // The body: every line in input order, the replies taken in turn for the scans.
  auto finish = [](const Batch& done, const std::vector<engine::ScanReply>& replies) {
    std::string out;
    out.reserve(done.lines.size() * 160);
    auto reply = replies.begin();
    for (const Line& line : done.lines) {
      if (line.error == kScan) {
        AppendReplyLine(out, *reply++, line.number);
      } else {
        out += done.errors[line.error];
      }
      out += '\n';
    }
    return HttpResponse{200, "application/x-ndjson", std::move(out), "", ""};
  };
  if (commands.empty()) {
    respond(finish(*batch, {}));
    return;
  }
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitScans(
      std::move(commands),
      [this, batch, shared, finish](StatusOr<std::vector<engine::ScanReply>> replies) {
        if (!replies.ok()) {
          (*shared)(ErrorResponse(replies.status()));
          return;
        }
        for (const engine::ScanReply& reply : *replies) {
          metrics_.CountOutcome(reply.reply.outcome);
        }
        (*shared)(finish(*batch, *replies));
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

void ApiHandler::HandleQuery(Route route, std::string parameter, Respond respond) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  Status submitted = sequencer_.SubmitQuery(
      [route, parameter = std::move(parameter), shared](StatusOr<const core::SiteState*> state) {
        if (!state.ok()) {
          (*shared)(ErrorResponse(state.status()));
          return;
        }
        StatusOr<json> body = QueryJson(route, **state, parameter);
        (*shared)(body.ok() ? JsonResponse(*body) : ErrorResponse(body.status()));
      });
  if (!submitted.ok()) {
    (*shared)(ErrorResponse(submitted));
  }
}

}  // namespace entrepot::api
