// File: sim_runner.h
//
// Drivers of the simulator's floor model (sim/floor_model.h, docs/SIMULATOR.md):
//
//  - RunSimulation drives the model against a running server over HTTP: one device per
//    simulated handheld is registered (and revoked at the end), then a pool of connections
//    takes the model's actions, paces them by the scenario's speed, performs each through
//    the API (scans with the handheld's device token, the supervisor's calls with the admin
//    session) and reports each result back to the model. It measures each request's latency.
//  - VerifyAgainstServer then compares what the model believes it did with what the server
//    says, unit by unit: stock per holder, order progress, shipped units per cut-off.
//  - WriteScanStream runs the model open loop (every action gets the predicted result) and
//    writes its scans as NDJSON scan records, the input of `entrepot ingest`.
//
// Device names: the model names its handhelds "HH-R01" (receive), "HH-S01" (stow), "HH-P01"
// (pick), "HH-K01" (pack), "HH-L01" (load and ship); the server knows them as
// "<prefix>-R01", ... (ServerDeviceName), and every scan record carries that name.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/sim/floor_model.h"

namespace entrepot::client {

inline constexpr int kMaxConnections = 256;
inline constexpr int64_t kMaxMismatchesListed = 100;

struct RunOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string admin_token;  // A session token of an admin user (registers the devices).
  int connections = 8;      // 1..kMaxConnections; one thread each.
  // Simulated seconds per real second; 0 or less: every action as soon as it can be taken.
  double speed = 0;
  std::string device_prefix = "SIM";  // 1..32 of A-Z a-z 0-9 . _ -
  // Called about once a second from the calling thread with a copy of the model's tally and
  // its simulated time; may be empty.
  std::function<void(const sim::Tally& tally, int64_t now_ms)> progress;
  // When set (e.g. by Ctrl-C), no new action is taken; those in flight finish and the run
  // returns what it did (RunReport::stopped). May be null.
  const std::atomic<bool>* stop = nullptr;
};

struct RunReport {
  sim::Tally tally;
  bool stopped = false;      // Ended by RunOptions::stop before the model was done.
  int64_t simulated_ms = 0;  // The model's time at the end.
  int64_t requests = 0;      // HTTP exchanges for the model's actions (retries included).
  double latency_p50_ms = 0;
  double latency_p90_ms = 0;
  double latency_p99_ms = 0;
  double latency_max_ms = 0;
  double wall_seconds = 0;
  double scans_per_second = 0;  // Scans answered per wall second.
};

// Runs `model` against the server at options.host:port until the model is Done (or the
// stop flag is set). Errors:
//   kInvalidArgument "bad_run_options" — connections outside 1..kMaxConnections, a bad device
//     prefix, no port or no admin token;
//   kAlreadyExists "device_name_taken" — a device of that name is live on the server (the
//     message says to choose another --device-prefix);
//   kUnauthenticated / kPermissionDenied with the server's reason ("unauthenticated",
//     "forbidden") — the admin token was refused when registering a device (any other
//     refusal of a registration: kFailedPrecondition with the server's reason);
//   kUnavailable "server_unreachable" — a request still failed in transport after retries
//     (or kept answering 429/503), naming the action;
//   kInternal "model_stalled" — the model has nothing to do, nothing in flight, and is not
//     done (a bug of the model: the message names its time).
// The model is left as the run left it (its tally and beliefs are still readable).
StatusOr<RunReport> RunSimulation(sim::FloorModel& model, const RunOptions& options);

struct Verification {
  int64_t holders_checked = 0;
  int64_t orders_checked = 0;
  int64_t cutoffs_checked = 0;
  int64_t mismatch_count = 0;           // All mismatches found.
  std::vector<std::string> mismatches;  // The first kMaxMismatchesListed, for people.
};

// Compares the model's beliefs with the server's answers: for every holder of
// model.stock(), its units per (gtin, lot, expiry) (a location's own stock, without its
// containers; a container's own contents); for every order of model.orders(), units
// ordered, picked, packed and shipped; for every (carrier, cut-off) of the model's orders,
// units shipped in GET /api/v1/cutoffs. A holder the server does not know matches only an
// empty belief. Errors: kUnavailable "server_unreachable" when the server cannot be reached;
// kUnauthenticated / kPermissionDenied with the server's reason when it refuses the token;
// kFailedPrecondition with the server's reason for any other error reply.
StatusOr<Verification> VerifyAgainstServer(const sim::FloorModel& model, const std::string& host,
                                           uint16_t port, const std::string& admin_token);

// Runs `model` open loop (each action completed at once with FloorModel::Predicted) until
// it is Done, writing each scan as one NDJSON line {"id","device","mode","code","at"} with
// the server device name of `device_prefix`. Returns the number of scans written. Errors:
// kInvalidArgument "bad_run_options" for a bad prefix; kFailedPrecondition
// "needs_server" when the model asks for a task (directed picking needs the server);
// kInternal "model_stalled"; kUnavailable "write_failed" when `out` fails.
StatusOr<int64_t> WriteScanStream(sim::FloorModel& model, const std::string& device_prefix,
                                  std::ostream& out);

// The server's name of a model handheld: "SIM" and "HH-R01" -> "SIM-R01" (a name without
// the "HH-" prefix keeps its whole name: "SIM-" + name).
std::string ServerDeviceName(const std::string& device_prefix, const std::string& model_device);

// One scan action as the scan record the server and `entrepot ingest` read.
std::string ScanRecordJson(const sim::Action& scan, const std::string& device_prefix);

}  // namespace entrepot::client
