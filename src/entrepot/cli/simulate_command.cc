// `entrepot simulate`: a simulated shift (sim/floor_model.h) against a running server over
// HTTP (client/sim_runner.h), or its scan stream written as NDJSON for `entrepot ingest`;
// then the end-of-run report.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/client/sim_runner.h"
#include "entrepot/domain/layout.h"
#include "entrepot/sim/floor_model.h"
#include "entrepot/sim/scenario.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::cli {
namespace {

constexpr size_t kMaxLayoutBytes = domain::kMaxLayoutTomlBytes;
constexpr size_t kMaxTokenBytes = 1024;

// Set by SIGINT while a run is in progress: the runner stops taking actions.
std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int) { stop_requested.store(true); }

// Installs RequestStop for SIGINT while alive; the previous handler comes back after.
class StopOnInterrupt {
 public:
  StopOnInterrupt() {
    stop_requested.store(false);
    struct sigaction action {};
    action.sa_handler = RequestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~StopOnInterrupt() { sigaction(SIGINT, &previous_, nullptr); }
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

 private:
  struct sigaction previous_ {};
};

Status Refused(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

struct Target {
  std::string host;
  uint16_t port = 0;
};

// "http://HOST:PORT" (an optional trailing "/"); HOST may be an IPv6 address in brackets.
StatusOr<Target> ParseTarget(std::string url) {
  const std::string usage = "--target must be http://HOST:PORT (got \"" + url + "\")";
  if (url.starts_with("https://")) {
    return Refused("bad_target", "the server speaks plain HTTP (put TLS in a proxy): " + usage);
  }
  if (!url.starts_with("http://")) {
    return Refused("bad_target", usage);
  }
  url = url.substr(7);
  if (url.ends_with("/")) {
    url.pop_back();
  }
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == url.size() ||
      colon + 6 < url.size()) {
    return Refused("bad_target", usage);
  }
  Target target;
  target.host = url.substr(0, colon);
  if (target.host.starts_with("[") && target.host.ends_with("]")) {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  const std::string port = url.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535 || target.host.empty()) {
    return Refused("bad_target", usage);
  }
  target.port = static_cast<uint16_t>(std::stoul(port));
  return target;
}

// The admin session token: the first line of stdin, without surrounding blanks.
StatusOr<std::string> ReadToken() {
  std::string line;
  std::getline(std::cin, line);
  const size_t first = line.find_first_not_of(" \t\r");
  const size_t last = line.find_last_not_of(" \t\r");
  line = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (line.empty() || line.size() > kMaxTokenBytes) {
    return Refused("missing_token",
                   "--token-stdin: write an admin's session token (POST /api/v1/login) as the "
                   "first line of stdin");
  }
  return line;
}

struct Planned {
  sim::Scenario scenario;
  std::unique_ptr<sim::FloorModel> model;
};

// Reads the layout and the scenario and plans the shift. File errors keep their codes
// (exit 2); refused contents are kInvalidArgument (exit 1).
StatusOr<Planned> Plan(const SimulateOptions& options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string layout_text,
                            ReadFile(options.layout_file, kMaxLayoutBytes));
  StatusOr<domain::Layout> layout = domain::ParseLayoutToml(layout_text);
  if (!layout.ok()) {
    return layout.status().WithContext(options.layout_file);
  }
  std::string scenario_text;
  if (options.scenario_file) {
    ENTREPOT_ASSIGN_OR_RETURN(scenario_text,
                              ReadFile(*options.scenario_file, sim::kMaxScenarioTomlBytes));
  }
  StatusOr<sim::Scenario> scenario = sim::ParseScenarioToml(scenario_text);
  if (!scenario.ok()) {
    return scenario.status().WithContext(options.scenario_file.value_or("scenario"));
  }
  if (options.seed) {
    scenario->seed = *options.seed;
  }
  Planned planned{*scenario, nullptr};
  ENTREPOT_ASSIGN_OR_RETURN(planned.model, sim::FloorModel::Create(*layout, *scenario));
  return planned;
}

std::string HourMinute(int64_t ms) { return wire::FormatRfc3339Ms(ms).substr(11, 5); }

void PrintTally(std::ostream& out, const sim::Scenario& scenario, const sim::Tally& tally) {
  out << "shift: " << wire::FormatRfc3339Ms(scenario.start_ms).substr(0, 10) << " "
      << HourMinute(scenario.start_ms) << " to " << HourMinute(scenario.end_ms()) << " UTC, "
      << scenario.workers() << " workers, seed " << scenario.seed << "\n";
  out << "units: received " << tally.units_received << ", stowed " << tally.units_stowed
      << ", picked " << tally.units_picked << ", packed " << tally.units_packed << ", shipped "
      << tally.units_shipped << "\n";
  out << "orders: placed " << tally.orders_placed << ", shipped " << tally.orders_shipped
      << ", on time " << tally.orders_shipped_on_time;
  if (tally.orders_shipped > 0) {
    out << " (" << std::fixed << std::setprecision(1)
        << 100.0 * static_cast<double>(tally.orders_shipped_on_time) /
               static_cast<double>(tally.orders_shipped)
        << " %)";
  }
  out << "; parcels shipped " << tally.parcels_shipped << "\n";
  int64_t scans = 0;
  std::ostringstream by_outcome;
  for (const auto& [outcome, count] : tally.scans_by_outcome) {
    scans += count;
    by_outcome << (by_outcome.tellp() > 0 ? ", " : "") << outcome << " " << count;
  }
  out << "scans: " << scans;
  if (scans > 0) {
    out << " (" << by_outcome.str() << ")";
  }
  out << "\n";
  out << "api calls: " << tally.api_calls << ", errors " << tally.api_errors << "\n";
  out << "surprises: " << tally.surprises << "\n";
  for (const std::string& example : tally.surprise_examples) {
    out << "  " << example << "\n";
  }
}

void PrintRun(std::ostream& out, const client::RunReport& report) {
  if (report.stopped) {
    out << "stopped (SIGINT) at " << HourMinute(report.simulated_ms) << " simulated\n";
  }
  out << std::fixed << std::setprecision(1) << "requests: " << report.requests << " in "
      << report.wall_seconds << " s, " << report.scans_per_second << " scans/s\n"
      << std::setprecision(2) << "latency ms: p50 " << report.latency_p50_ms << ", p90 "
      << report.latency_p90_ms << ", p99 " << report.latency_p99_ms << ", max "
      << report.latency_max_ms << "\n";
}

void PrintVerification(std::ostream& out, const client::Verification& verification) {
  out << "verification: " << verification.holders_checked << " holders, "
      << verification.orders_checked << " orders, " << verification.cutoffs_checked
      << " cut-offs checked; " << verification.mismatch_count << " mismatches\n";
  for (const std::string& mismatch : verification.mismatches) {
    out << "  " << mismatch << "\n";
  }
}

// A progress line on a terminal, rewritten in place about once a second.
void ShowProgress(const sim::Tally& tally, int64_t now_ms) {
  int64_t scans = 0;
  for (const auto& [outcome, count] : tally.scans_by_outcome) {
    scans += count;
  }
  std::cerr << "\r" << HourMinute(now_ms) << " simulated: " << scans << " scans, "
            << tally.units_shipped << " units shipped, " << tally.surprises << " surprises   "
            << std::flush;
}

// --output: the open-loop scan stream, through a temporary file renamed at the end.
int WriteStream(const SimulateOptions& options, Planned& planned) {
  if (planned.scenario.directed_picking) {
    return ReportError(Refused("directed_picking",
                               "--output needs picking = \"free\" in the scenario: directed "
                               "picking takes its tasks from a server (use --target)"),
                       1);
  }
  const bool to_stdout = options.output_file == "-";
  const std::string temporary = options.output_file + ".tmp";
  std::ofstream file;
  if (!to_stdout) {
    file.open(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      return ReportError(
          Error(StatusCode::kUnavailable, "write_failed", "cannot write " + temporary));
    }
  }
  std::ostream& out = to_stdout ? std::cout : file;
  StatusOr<int64_t> scans = client::WriteScanStream(*planned.model, options.device_prefix, out);
  if (!scans.ok()) {
    std::remove(temporary.c_str());
    return ReportError(scans.status(), scans.status().reason() == "write_failed" ? 2 : 1);
  }
  if (!to_stdout) {
    file.close();
    if (!file || std::rename(temporary.c_str(), options.output_file.c_str()) != 0) {
      std::remove(temporary.c_str());
      return ReportError(
          Error(StatusCode::kUnavailable, "write_failed", "cannot write " + options.output_file));
    }
  }
  std::ostream& report = to_stdout ? std::cerr : std::cout;
  report << "wrote " << *scans << " scan records to " << options.output_file << "\n";
  PrintTally(report, planned.scenario, planned.model->tally());
  return 0;
}

// --target: the run against the server, then the report (and the verification).
int DriveServer(const SimulateOptions& options, Planned& planned) {
  StatusOr<Target> target = ParseTarget(options.target);
  if (!target.ok()) {
    return ReportError(target.status(), 1);
  }
  if (!options.token_stdin) {
    return ReportError(Refused("missing_token",
                               "--target needs --token-stdin: an admin's "
                               "session token as the first line of stdin"),
                       1);
  }
  StatusOr<std::string> token = ReadToken();
  if (!token.ok()) {
    return ReportError(token.status(), 1);
  }
  client::RunOptions run;
  run.host = target->host;
  run.port = target->port;
  run.admin_token = *token;
  run.connections = options.connections;
  run.speed = planned.scenario.speed;
  run.device_prefix = options.device_prefix;
  run.stop = &stop_requested;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  if (terminal) {
    run.progress = ShowProgress;
  }
  StatusOr<client::RunReport> report = [&] {
    StopOnInterrupt interrupt;
    return client::RunSimulation(*planned.model, run);
  }();
  if (terminal) {
    std::cerr << "\n";
  }
  PrintTally(std::cout, planned.scenario, planned.model->tally());
  if (!report.ok()) {
    return ReportError(report.status(), 1);
  }
  PrintRun(std::cout, *report);
  int64_t mismatches = 0;
  if (options.verify) {
    StatusOr<client::Verification> verification =
        client::VerifyAgainstServer(*planned.model, run.host, run.port, run.admin_token);
    if (!verification.ok()) {
      return ReportError(verification.status(), 1);
    }
    PrintVerification(std::cout, *verification);
    mismatches = verification->mismatch_count;
  }
  return report->tally.surprises == 0 && mismatches == 0 ? 0 : 1;
}

}  // namespace

int RunSimulate(const SimulateOptions& options) {
  if (options.target.empty() == options.output_file.empty()) {
    return ReportError(Refused("bad_options", "give either --target URL or --output FILE"), 1);
  }
  if (options.connections < 1 || options.connections > client::kMaxConnections) {
    return ReportError(Refused("bad_options", "--connections must be from 1 to " +
                                                  std::to_string(client::kMaxConnections)),
                       1);
  }
  StatusOr<Planned> planned = Plan(options);
  if (!planned.ok()) {
    const bool refused = planned.status().code() == StatusCode::kInvalidArgument;
    return ReportError(planned.status(), refused ? 1 : 2);
  }
  return options.target.empty() ? WriteStream(options, *planned) : DriveServer(options, *planned);
}

}  // namespace entrepot::cli
