// The simulator's drivers (sim_runner.h). RunSimulation: worker threads share the model
// under one mutex (the model is single-threaded), each with its own keep-alive connection;
// a worker takes an action, performs it without the lock, and completes it under the lock.
// The model's agents wait for their own results only, so the pool is busy as long as some
// agent has something to do.
#include "entrepot/client/sim_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/client/http_client.h"
#include "entrepot/wire/rfc3339.h"
#include "nlohmann/json.hpp"

namespace entrepot::client {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using boost::beast::http::verb;

// Transport failures and 429/503 answers are retried (SendWithRetries).
constexpr int kMaxAttempts = 6;
constexpr std::chrono::milliseconds kFirstBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{2'000};
constexpr std::chrono::seconds kRetryWindow{20};
// A reply that takes longer fails the exchange (a scan's reply waits for its commit).
constexpr std::chrono::seconds kExchangeTimeout{15};
// The runner's connections read replies of at most this size (a batch of tasks is small).
constexpr size_t kMaxReplyBytes = size_t{16} << 20;
constexpr size_t kMaxDevicePrefix = 32;

HttpClientOptions RunnerHttpOptions() {
  HttpClientOptions options;
  options.exchange_timeout = kExchangeTimeout;
  options.max_response_body_bytes = kMaxReplyBytes;
  return options;
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A string member of a JSON object, or "" when absent, null or not a string.
std::string StringField(const json& object, const char* key) {
  if (!object.is_object()) {
    return "";
  }
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// An integer member of a JSON object, or 0.
int64_t IntField(const json& object, const char* key) {
  if (!object.is_object()) {
    return 0;
  }
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The members of an array member of a JSON object (empty when it is not one).
const json& ArrayField(const json& object, const char* key) {
  static const json kEmpty = json::array();
  if (!object.is_object()) {
    return kEmpty;
  }
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

// The stable reason of an error reply ({"error":{"code":...}}), or "http_<status>".
std::string ErrorReason(const HttpReply& reply) {
  json body = reply.Json();
  std::string code = body.is_object() && body.contains("error") ? StringField(body["error"], "code")
                                                                : std::string();
  return code.empty() ? "http_" + std::to_string(reply.status) : code;
}

// An error reply as a Status with the server's reason and message.
Status ReplyStatus(const HttpReply& reply, const std::string& context) {
  if (reply.status == 0) {
    return Error(StatusCode::kUnavailable, "server_unreachable", context + ": " + reply.error);
  }
  json body = reply.Json();
  std::string message =
      body.is_object() && body.contains("error") ? StringField(body["error"], "message") : "";
  StatusCode code = reply.status == 401   ? StatusCode::kUnauthenticated
                    : reply.status == 403 ? StatusCode::kPermissionDenied
                    : reply.status == 409 ? StatusCode::kAlreadyExists
                                          : StatusCode::kFailedPrecondition;
  return Error(
      code, ErrorReason(reply),
      context + ": HTTP " + std::to_string(reply.status) + (message.empty() ? "" : " " + message));
}

bool Retryable(const HttpReply& reply) {
  return reply.status == 0 || reply.status == 429 || reply.status == 503;
}

// Sends with `send_once` until the reply is not Retryable, at most kMaxAttempts times and
// while the first attempt is less than kRetryWindow ago, with exponential backoff between
// attempts. Sets *transport_failed (when not null) if an attempt failed in transport: the
// request may then have been applied although no reply said so.
template <typename SendOnce>
HttpReply SendWithRetries(SendOnce send_once, bool* transport_failed) {
  std::chrono::milliseconds backoff = kFirstBackoff;
  const Clock::time_point first = Clock::now();
  for (int attempt = 1;; ++attempt) {
    HttpReply reply = send_once();
    if (!Retryable(reply) || attempt >= kMaxAttempts || Clock::now() - first >= kRetryWindow) {
      return reply;
    }
    if (transport_failed != nullptr && reply.status == 0) {
      *transport_failed = true;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

Status ValidatePrefix(const std::string& prefix) {
  bool valid = !prefix.empty() && prefix.size() <= kMaxDevicePrefix &&
               std::all_of(prefix.begin(), prefix.end(), [](char c) {
                 return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
               });
  if (!valid) {
    return Error(
        StatusCode::kInvalidArgument, "bad_run_options",
        "the device prefix must have 1 to 32 of A-Z a-z 0-9 . _ - (got \"" + prefix + "\")");
  }
  return OkStatus();
}

Status ValidateRunOptions(const RunOptions& options) {
  if (options.connections < 1 || options.connections > kMaxConnections) {
    return Error(StatusCode::kInvalidArgument, "bad_run_options",
                 "connections must be from 1 to " + std::to_string(kMaxConnections));
  }
  if (options.port == 0 || options.admin_token.empty()) {
    return Error(StatusCode::kInvalidArgument, "bad_run_options",
                 "a server port and an admin session token are needed");
  }
  return ValidatePrefix(options.device_prefix);
}

std::string RequiredTime(int64_t ms) {
  return wire::FormatRfc3339Ms(std::clamp(ms, wire::kMinRfc3339Ms, wire::kMaxRfc3339Ms));
}

json LinesJson(const std::vector<sim::OrderLinePlan>& lines) {
  json out = json::array();
  for (const sim::OrderLinePlan& line : lines) {
    out.push_back({{"gtin", line.gtin}, {"quantity", line.quantity}});
  }
  return out;
}

// The batch of a POST /api/v1/tasks/next reply, in the model's terms.
sim::TaskBatch ParseBatch(const json& body) {
  sim::TaskBatch batch;
  batch.batch = StringField(body, "batch");
  for (const json& order : ArrayField(body, "orders")) {
    batch.orders.push_back(StringField(order, "order"));
    auto needs = order.find("needs_tote");
    batch.needs_tote.push_back(needs != order.end() && needs->is_boolean() && needs->get<bool>());
    batch.totes.push_back(StringField(order, "tote"));
  }
  for (const json& task : ArrayField(body, "tasks")) {
    sim::PickTask pick;
    pick.order = StringField(task, "order");
    pick.location = StringField(task, "location");
    pick.item = {StringField(task, "gtin"), StringField(task, "lot"),
                 sim::ModelExpiry(StringField(task, "expiry"))};
    pick.quantity = static_cast<int32_t>(IntField(task, "quantity"));
    batch.tasks.push_back(std::move(pick));
  }
  return batch;
}

double Percentile(const std::vector<uint32_t>& sorted_us, double fraction) {
  if (sorted_us.empty()) {
    return 0;
  }
  size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted_us.size())));
  size_t index = std::clamp<size_t>(rank, 1, sorted_us.size()) - 1;
  return static_cast<double>(sorted_us[index]) / 1000.0;
}

// A handheld as the server knows it.
struct Device {
  std::string name;
  std::string token;
  int64_t id = 0;
};

// The server's devices of the run, registered on first use (under the registry's mutex, so
// that each is registered once) and revoked at the end.
class DeviceRegistry {
 public:
  explicit DeviceRegistry(const RunOptions& options) : options_(options) {}

  StatusOr<Device> Get(HttpClient& http, const std::string& model_device) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(model_device);
    if (it != devices_.end()) {
      return it->second;
    }
    Device device;
    device.name = ServerDeviceName(options_.device_prefix, model_device);
    http.token = options_.admin_token;
    HttpReply reply = http.Post("/api/v1/devices", Dump(json{{"name", device.name}}));
    if (reply.status == 409 && ErrorReason(reply) == "device_name_taken") {
      return Error(StatusCode::kAlreadyExists, "device_name_taken",
                   "the server already has a live device named " + device.name +
                       ": choose another --device-prefix");
    }
    if (reply.status != 201 && reply.status != 200) {
      return ReplyStatus(reply, "registering device " + device.name);
    }
    json body = reply.Json();
    device.token = StringField(body, "token");
    device.id = IntField(body, "id");
    devices_.emplace(model_device, device);
    return device;
  }

  // Revokes every device registered (device tokens never expire). Best effort: stops at the
  // first transport failure.
  void RevokeAll(HttpClient& http) {
    std::lock_guard lock(mutex_);
    http.token = options_.admin_token;
    for (const auto& [model_device, device] : devices_) {
      if (http.Delete("/api/v1/devices/" + std::to_string(device.id)).status == 0) {
        break;
      }
    }
  }

 private:
  const RunOptions& options_;
  std::mutex mutex_;
  std::map<std::string, Device> devices_;  // By the model's name.
};

// What an exchange with retries gave.
struct Exchanged {
  HttpReply reply;
  bool retried = false;  // An earlier attempt failed: the request may have been applied.
};

class Runner {
 public:
  Runner(sim::FloorModel& model, const RunOptions& options)
      : model_(model), options_(options), devices_(options), latencies_(Count()) {}

  StatusOr<RunReport> Run();

 private:
  size_t Count() const { return static_cast<size_t>(options_.connections); }
  void Work(size_t worker);
  std::optional<sim::Action> Take();
  void Finish(int64_t action_id, const sim::Result& result);
  void Fail(Status status);
  bool Stopping() const;
  void Pace(int64_t at_ms);
  void MonitorUntilDone();
  RunReport Report(double wall_seconds);

  StatusOr<sim::Result> Perform(HttpClient& http, size_t worker, const sim::Action& action);
  StatusOr<sim::Result> Scan(HttpClient& http, size_t worker, const sim::Action& action);
  StatusOr<sim::Result> TakeTask(HttpClient& http, size_t worker, const sim::Action& action);
  StatusOr<sim::Result> Call(HttpClient& http, size_t worker, const sim::Action& action);
  Exchanged Exchange(HttpClient& http, size_t worker, verb method, const std::string& target,
                     const std::string& body, const std::string& token);

  sim::FloorModel& model_;
  const RunOptions& options_;
  DeviceRegistry devices_;
  std::mutex mutex_;  // Guards the model and everything below.
  std::condition_variable changed_;
  int64_t in_flight_ = 0;
  size_t finished_workers_ = 0;
  bool failed_ = false;
  Status failure_;
  bool stopped_ = false;
  bool paced_ = false;
  int64_t pace_start_ms_ = 0;
  Clock::time_point pace_start_wall_;
  std::vector<std::vector<uint32_t>> latencies_;  // Per worker, in microseconds.
};

// Ends the run with `status` (the first failure wins). Called by a worker for its action in
// flight, which is no longer in flight.
void Runner::Fail(Status status) {
  std::lock_guard lock(mutex_);
  if (!failed_) {
    failed_ = true;
    failure_ = std::move(status);
  }
  --in_flight_;
  changed_.notify_all();
}

bool Runner::Stopping() const {
  return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
}

// The next action for this worker, or nullopt when the worker should end: the model is done,
// the run failed, or it was asked to stop. Waits while every agent waits for a result.
std::optional<sim::Action> Runner::Take() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (failed_) {
      return std::nullopt;
    }
    if (Stopping()) {
      stopped_ = !model_.Done();
      return std::nullopt;
    }
    if (std::optional<sim::Action> action = model_.Next()) {
      ++in_flight_;
      if (!paced_) {
        paced_ = true;
        pace_start_ms_ = action->at_ms;
        pace_start_wall_ = Clock::now();
      }
      return action;
    }
    if (model_.Done()) {
      return std::nullopt;
    }
    if (in_flight_ == 0) {
      failed_ = true;
      failure_ = Error(StatusCode::kInternal, "model_stalled",
                       "the model has no action to take, none in flight, and is not done at " +
                           RequiredTime(model_.now_ms()));
      changed_.notify_all();
      return std::nullopt;
    }
    // Woken by a completion; the timeout only notices the stop flag.
    changed_.wait_for(lock, std::chrono::milliseconds(200));
  }
}

void Runner::Finish(int64_t action_id, const sim::Result& result) {
  {
    std::lock_guard lock(mutex_);
    model_.Complete(action_id, result);
    --in_flight_;
  }
  changed_.notify_all();
}

// Sleeps until the action's simulated time, scaled by the speed, has come in real time.
void Runner::Pace(int64_t at_ms) {
  if (options_.speed <= 0) {
    return;
  }
  const double real_ms = static_cast<double>(at_ms - pace_start_ms_) / options_.speed;
  const Clock::time_point due =
      pace_start_wall_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double, std::milli>(real_ms));
  // In slices, so that a stop or a failure is noticed during a long wait.
  while (Clock::now() < due && !Stopping()) {
    {
      std::lock_guard lock(mutex_);
      if (failed_) {
        return;
      }
    }
    std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(100)));
  }
}

void Runner::Work(size_t worker) {
  HttpClient http(options_.host, options_.port, RunnerHttpOptions());
  while (std::optional<sim::Action> action = Take()) {
    Pace(action->at_ms);
    StatusOr<sim::Result> result = Perform(http, worker, *action);
    if (!result.ok()) {
      // The action stays pending in the model: the run ends without a result for it.
      Fail(result.status());
      break;
    }
    Finish(action->id, *result);
  }
  std::lock_guard lock(mutex_);
  ++finished_workers_;
  changed_.notify_all();
}

Exchanged Runner::Exchange(HttpClient& http, size_t worker, verb method, const std::string& target,
                           const std::string& body, const std::string& token) {
  Exchanged out;
  out.reply = SendWithRetries(
      [&] {
        http.token = token;
        const Clock::time_point sent = Clock::now();
        HttpReply reply = http.Send(method, target, body);
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count();
        latencies_[worker].push_back(
            static_cast<uint32_t>(std::min<int64_t>(micros, std::numeric_limits<uint32_t>::max())));
        return reply;
      },
      &out.retried);
  return out;
}

StatusOr<sim::Result> Runner::Perform(HttpClient& http, size_t worker, const sim::Action& action) {
  switch (action.kind) {
    case sim::Action::Kind::kScan:
      return Scan(http, worker, action);
    case sim::Action::Kind::kTakeTask:
      return TakeTask(http, worker, action);
    default:
      return Call(http, worker, action);
  }
}

StatusOr<sim::Result> Runner::Scan(HttpClient& http, size_t worker, const sim::Action& action) {
  ENTREPOT_ASSIGN_OR_RETURN(Device device, devices_.Get(http, action.device));
  Exchanged done = Exchange(http, worker, verb::post, "/api/v1/scans",
                            ScanRecordJson(action, options_.device_prefix), device.token);
  if (Retryable(done.reply)) {
    return ReplyStatus(done.reply, "scan " + action.scan_id);
  }
  sim::Result result;
  result.outcome = done.reply.status == 200 ? StringField(done.reply.Json(), "outcome")
                                            : ErrorReason(done.reply);
  return result;
}

StatusOr<sim::Result> Runner::TakeTask(HttpClient& http, size_t worker, const sim::Action& action) {
  ENTREPOT_ASSIGN_OR_RETURN(Device device, devices_.Get(http, action.device));
  Exchanged done = Exchange(http, worker, verb::post, "/api/v1/tasks/next",
                            Dump(json{{"device", device.name}}), device.token);
  if (Retryable(done.reply)) {
    return ReplyStatus(done.reply, "next task of " + device.name);
  }
  sim::Result result;
  if (done.reply.status == 200) {
    result.batch = ParseBatch(done.reply.Json());
  } else {
    result.outcome = ErrorReason(done.reply);  // "no_work" for a 404 without work.
  }
  return result;
}

// The supervisor's API calls, with the admin session.
StatusOr<sim::Result> Runner::Call(HttpClient& http, size_t worker, const sim::Action& action) {
  verb method = verb::post;
  std::string target;
  json body;
  std::string already_done;  // The refusal that means an earlier attempt was applied.
  switch (action.kind) {
    case sim::Action::Kind::kDefineCarrier:
      method = verb::put;
      target = "/api/v1/carriers/" + PercentEncode(action.carrier);
      body = {{"doors", action.doors}};
      break;
    case sim::Action::Kind::kExpectReceipt:
      target = "/api/v1/receipts";
      body = {{"id", action.receipt},
              {"supplier", "SIM"},
              {"lines", LinesJson(action.lines)},
              {"containers", action.containers}};
      already_done = "receipt_exists";
      break;
    case sim::Action::Kind::kPlaceOrder:
      target = "/api/v1/orders";
      body = {{"id", action.order},
              {"carrier", action.carrier},
              {"cutoff", RequiredTime(action.cutoff_ms)},
              {"lines", LinesJson(action.lines)}};
      already_done = "order_exists";
      break;
    case sim::Action::Kind::kRelease:
      target = "/api/v1/release";
      body = json::object();
      if (action.orders_per_batch > 0) {
        body["orders_per_batch"] = action.orders_per_batch;
      }
      break;
    case sim::Action::Kind::kCloseReceipt:
      target = "/api/v1/receipts/" + PercentEncode(action.receipt) + "/close";
      already_done = "receipt_closed";
      break;
    default:
      return Error(StatusCode::kInternal, "unknown_action", "an action the runner cannot perform");
  }
  Exchanged done = Exchange(http, worker, method, target, body.is_null() ? "" : Dump(body),
                            options_.admin_token);
  if (Retryable(done.reply)) {
    return ReplyStatus(done.reply,
                       std::string(boost::beast::http::to_string(method)) + " " + target);
  }
  sim::Result result;
  if (done.reply.status < 200 || done.reply.status >= 300) {
    result.outcome = ErrorReason(done.reply);
    if (done.retried && result.outcome == already_done) {
      result.outcome = "ok";
    }
  }
  return result;
}

// Waits for the workers, calling the progress callback about once a second.
void Runner::MonitorUntilDone() {
  std::unique_lock lock(mutex_);
  Clock::time_point next_progress = Clock::now() + std::chrono::seconds(1);
  while (finished_workers_ < Count()) {
    changed_.wait_until(lock, next_progress);
    if (Clock::now() >= next_progress && options_.progress) {
      sim::Tally tally = model_.tally();
      int64_t now_ms = model_.now_ms();
      lock.unlock();
      options_.progress(tally, now_ms);
      lock.lock();
    }
    if (Clock::now() >= next_progress) {
      next_progress = Clock::now() + std::chrono::seconds(1);
    }
  }
}

RunReport Runner::Report(double wall_seconds) {
  RunReport report;
  report.tally = model_.tally();
  report.stopped = stopped_;
  report.simulated_ms = model_.now_ms();
  std::vector<uint32_t> all;
  for (const std::vector<uint32_t>& one : latencies_) {
    all.insert(all.end(), one.begin(), one.end());
  }
  std::sort(all.begin(), all.end());
  report.requests = static_cast<int64_t>(all.size());
  report.latency_p50_ms = Percentile(all, 0.50);
  report.latency_p90_ms = Percentile(all, 0.90);
  report.latency_p99_ms = Percentile(all, 0.99);
  report.latency_max_ms = Percentile(all, 1.0);
  report.wall_seconds = wall_seconds;
  int64_t scans = 0;
  for (const auto& [outcome, count] : report.tally.scans_by_outcome) {
    scans += count;
  }
  report.scans_per_second = wall_seconds > 0 ? static_cast<double>(scans) / wall_seconds : 0;
  return report;
}

StatusOr<RunReport> Runner::Run() {
  const Clock::time_point started = Clock::now();
  std::vector<std::thread> workers;
  workers.reserve(Count());
  for (size_t i = 0; i < Count(); ++i) {
    workers.emplace_back([this, i] { Work(i); });
  }
  MonitorUntilDone();
  for (std::thread& worker : workers) {
    worker.join();
  }
  const double wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  HttpClient admin(options_.host, options_.port, RunnerHttpOptions());
  devices_.RevokeAll(admin);
  if (failed_) {
    return failure_;
  }
  return Report(wall_seconds);
}

// ---- Verification ----------------------------------------------------------------------

using ItemUnits = std::map<sim::Item, int64_t>;

std::string ItemText(const sim::Item& item) {
  std::string text = item.gtin;
  if (!item.lot.empty()) {
    text += " lot " + item.lot;
  }
  if (!item.expiry.empty()) {
    text += " expiry " + item.expiry;
  }
  return text;
}

std::string Gtin14(const std::string& gtin) {
  return gtin.size() < 14 ? std::string(14 - gtin.size(), '0') + gtin : gtin;
}

bool IsContainerId(const std::string& holder) {
  for (std::string_view prefix : {"label:", "sscc:", "grai:", "giai:"}) {
    if (holder.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

// Units per item of a stock reply's "stock" lines (serials merged), without zero lines.
ItemUnits ServerUnits(const json& holder) {
  ItemUnits units;
  for (const json& line : ArrayField(holder, "stock")) {
    sim::Item item{Gtin14(StringField(line, "gtin")), StringField(line, "lot"),
                   sim::ModelExpiry(StringField(line, "expiry"))};
    units[item] += IntField(line, "quantity");
  }
  std::erase_if(units, [](const auto& entry) { return entry.second == 0; });
  return units;
}

class Verifier {
 public:
  Verifier(const sim::FloorModel& model, HttpClient& http) : model_(model), http_(http) {}

  StatusOr<Verification> Run() {
    for (const auto& [holder, units] : model_.stock()) {
      ENTREPOT_RETURN_IF_ERROR(CheckHolder(holder, units));
    }
    for (const auto& [id, order] : model_.orders()) {
      ENTREPOT_RETURN_IF_ERROR(CheckOrder(id, order));
    }
    ENTREPOT_RETURN_IF_ERROR(CheckCutoffs());
    return std::move(result_);
  }

 private:
  // The reply's JSON; nullopt for a 404. Transport failures are retried with backoff.
  StatusOr<std::optional<json>> Fetch(const std::string& target) {
    HttpReply reply = SendWithRetries([&] { return http_.Get(target); }, nullptr);
    if (reply.status == 404) {
      return std::optional<json>();
    }
    if (reply.status != 200) {
      return ReplyStatus(reply, "GET " + target);
    }
    return std::optional<json>(reply.Json());
  }

  void Mismatch(std::string what) {
    ++result_.mismatch_count;
    if (result_.mismatch_count <= kMaxMismatchesListed) {
      result_.mismatches.push_back(std::move(what));
    }
  }

  Status CheckHolder(const std::string& holder, const ItemUnits& believed_units) {
    ItemUnits believed;
    for (const auto& [item, units] : believed_units) {
      if (units != 0) {
        believed[{Gtin14(item.gtin), item.lot, item.expiry}] += units;
      }
    }
    const std::string target = IsContainerId(holder)
                                   ? "/api/v1/containers/" + PercentEncode(holder)
                                   : "/api/v1/locations/" + PercentEncode(holder) + "/stock";
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<json> answer, Fetch(target));
    ++result_.holders_checked;
    const ItemUnits actual = answer ? ServerUnits(*answer) : ItemUnits();
    if (!answer && !believed.empty()) {
      Mismatch(holder + ": the model holds units there, the server does not know it");
      return OkStatus();
    }
    std::map<sim::Item, std::pair<int64_t, int64_t>> both;  // Model, server.
    for (const auto& [item, units] : believed) {
      both[item].first = units;
    }
    for (const auto& [item, units] : actual) {
      both[item].second = units;
    }
    for (const auto& [item, units] : both) {
      if (units.first != units.second) {
        Mismatch(holder + ": " + ItemText(item) + ": model " + std::to_string(units.first) +
                 ", server " + std::to_string(units.second));
      }
    }
    return OkStatus();
  }

  Status CheckOrder(const std::string& id, const sim::OrderBelief& order) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<json> answer,
                              Fetch("/api/v1/orders/" + PercentEncode(id)));
    ++result_.orders_checked;
    if (!answer) {
      Mismatch("order " + id + ": the server does not know it");
      return OkStatus();
    }
    std::map<std::string, int64_t> sums;
    for (const json& line : ArrayField(*answer, "lines")) {
      for (const char* key : {"quantity", "picked", "packed", "shipped"}) {
        sums[key] += IntField(line, key);
      }
    }
    const std::pair<const char*, int64_t> believed[] = {{"quantity", order.units},
                                                        {"picked", order.picked},
                                                        {"packed", order.packed},
                                                        {"shipped", order.shipped}};
    for (const auto& [key, units] : believed) {
      if (sums[key] != units) {
        Mismatch("order " + id + ": " + key + " model " + std::to_string(units) + ", server " +
                 std::to_string(sums[key]));
      }
    }
    return OkStatus();
  }

  struct Group {
    int64_t orders = 0;
    int64_t units = 0;
    int64_t shipped = 0;
  };

  Status CheckCutoffs() {
    std::map<std::pair<std::string, int64_t>, Group> believed;
    for (const auto& [id, order] : model_.orders()) {
      Group& group = believed[{order.carrier, order.cutoff_ms}];
      ++group.orders;
      group.units += order.units;
      group.shipped += order.shipped;
    }
    if (believed.empty()) {
      return OkStatus();
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<json> answer, Fetch("/api/v1/cutoffs"));
    std::map<std::pair<std::string, int64_t>, Group> actual;
    for (const json& row : answer ? ArrayField(*answer, "cutoffs") : ArrayField(json(), "")) {
      StatusOr<int64_t> cutoff_ms = wire::ParseRfc3339Ms(StringField(row, "cutoff"));
      if (cutoff_ms.ok()) {
        actual[{StringField(row, "carrier"), *cutoff_ms}] = {
            IntField(row, "orders"), IntField(row, "units"), IntField(row, "shipped")};
      }
    }
    for (const auto& [key, group] : believed) {
      ++result_.cutoffs_checked;
      const std::string name = key.first + " cut-off " + RequiredTime(key.second);
      auto found = actual.find(key);
      if (found == actual.end()) {
        Mismatch(name + ": not in the server's cut-offs");
        continue;
      }
      const Group& server = found->second;
      if (server.orders != group.orders || server.units != group.units ||
          server.shipped != group.shipped) {
        Mismatch(name + ": model " + std::to_string(group.orders) + " orders, " +
                 std::to_string(group.units) + " units, " + std::to_string(group.shipped) +
                 " shipped; server " + std::to_string(server.orders) + ", " +
                 std::to_string(server.units) + ", " + std::to_string(server.shipped));
      }
    }
    return OkStatus();
  }

  const sim::FloorModel& model_;
  HttpClient& http_;
  Verification result_;
};

}  // namespace

std::string ServerDeviceName(const std::string& device_prefix, const std::string& model_device) {
  std::string_view name = model_device;
  if (name.starts_with("HH-")) {
    name.remove_prefix(3);
  }
  return device_prefix + "-" + std::string(name);
}

std::string ScanRecordJson(const sim::Action& scan, const std::string& device_prefix) {
  nlohmann::ordered_json record = {{"id", scan.scan_id},
                                   {"device", ServerDeviceName(device_prefix, scan.device)},
                                   {"mode", scan.mode},
                                   {"code", scan.code},
                                   {"at", RequiredTime(scan.at_ms)}};
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

StatusOr<RunReport> RunSimulation(sim::FloorModel& model, const RunOptions& options) {
  ENTREPOT_RETURN_IF_ERROR(ValidateRunOptions(options));
  Runner runner(model, options);
  return runner.Run();
}

StatusOr<Verification> VerifyAgainstServer(const sim::FloorModel& model, const std::string& host,
                                           uint16_t port, const std::string& admin_token) {
  HttpClient http(host, port, RunnerHttpOptions());
  http.token = admin_token;
  Verifier verifier(model, http);
  return verifier.Run();
}

StatusOr<int64_t> WriteScanStream(sim::FloorModel& model, const std::string& device_prefix,
                                  std::ostream& out) {
  ENTREPOT_RETURN_IF_ERROR(ValidatePrefix(device_prefix));
  int64_t scans = 0;
  while (std::optional<sim::Action> action = model.Next()) {
    if (action->kind == sim::Action::Kind::kTakeTask) {
      return Error(StatusCode::kFailedPrecondition, "needs_server",
                   "directed picking takes its tasks from a server: write a scan stream only "
                   "with picking = \"free\"");
    }
    if (action->kind == sim::Action::Kind::kScan) {
      out << ScanRecordJson(*action, device_prefix) << '\n';
      ++scans;
    }
    model.Complete(action->id, sim::FloorModel::Predicted(*action));
  }
  if (!model.Done()) {
    return Error(
        StatusCode::kInternal, "model_stalled",
        "the model has no action to take and is not done at " + RequiredTime(model.now_ms()));
  }
  out.flush();
  if (!out) {
    return Error(StatusCode::kUnavailable, "write_failed", "the scan stream could not be written");
  }
  return scans;
}

}  // namespace entrepot::client
