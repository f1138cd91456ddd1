// `entrepot demo`: the example centre, served, with a simulated shift driving it through
// the real HTTP API (docs/SIMULATOR.md). It creates the site in DIR when there is none (or
// afresh with --fresh), gives each role a demo account whose password it keeps in
// DIR/demo-accounts.txt (readable by the owner only), starts the server as `entrepot serve`
// does, logs in as the demo admin, and runs the scenario's shift from now, at its speed,
// printing a progress line. Each run is the next shift of the same site: another seed, the
// totes the last run left in use left alone. When the shift is over the server keeps serving
// until Ctrl-C (or, with --once, stops).
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "entrepot/auth/account_store.h"
#include "entrepot/auth/secrets.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/server_stack.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/client/http_client.h"
#include "entrepot/client/sim_runner.h"
#include "entrepot/domain/layout.h"
#include "entrepot/sim/floor_model.h"
#include "entrepot/sim/scenario.h"
#include "entrepot/sim/site_at_start.h"
#include "entrepot/wire/rfc3339.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

struct DemoAccount {
  std::string role;
  std::string login;
  std::string password;
};

constexpr const char* kDemoRoles[] = {"admin", "site_manager", "supervisor", "hr", "dpo", "worker"};
constexpr int64_t kMaxScenarioFileBytes = int64_t{1} << 20;

std::string AccountsFile(const std::string& data_dir) { return data_dir + "/demo-accounts.txt"; }
std::string RunsFile(const std::string& data_dir) { return data_dir + "/demo-runs.txt"; }

// Removes DIR for --fresh, but only when it holds a site (or nothing): a mistyped --data
// must not delete someone's files.
Status RemoveDemoSite(const std::string& data_dir) {
  std::error_code error;
  if (!std::filesystem::exists(data_dir, error))
    return OkStatus();
  bool is_site = std::filesystem::exists(JournalPath(data_dir), error);
  if (!is_site && !std::filesystem::is_empty(data_dir, error)) {
    return Error(StatusCode::kFailedPrecondition, "not_a_site",
                 data_dir + " is not empty and holds no site: --fresh deletes only a site");
  }
  std::filesystem::remove_all(data_dir, error);
  if (error) {
    return Error(StatusCode::kInternal, "remove_failed",
                 "cannot remove " + data_dir + ": " + error.message());
  }
  return OkStatus();
}

// The demo accounts of DIR: read from DIR/demo-accounts.txt, or created (one per role, with
// a random password) and written there, readable by the owner only.
StatusOr<std::vector<DemoAccount>> DemoAccounts(const std::string& data_dir) {
  std::vector<DemoAccount> accounts;
  if (std::ifstream in(AccountsFile(data_dir)); in) {
    DemoAccount account;
    while (in >> account.role >> account.login >> account.password)
      accounts.push_back(account);
    if (accounts.size() == std::size(kDemoRoles))
      return accounts;
    return Error(StatusCode::kDataLoss, "bad_demo_accounts",
                 AccountsFile(data_dir) + " is damaged: start afresh with --fresh");
  }
  auth::AccountStoreOptions options;
  options.now_ms = SystemNowMs;
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<auth::AccountStore> store,
                            auth::AccountStore::Open(AccountsPath(data_dir), options));
  for (const char* role_name : kDemoRoles) {
    ENTREPOT_ASSIGN_OR_RETURN(auth::Role role, auth::ParseRole(role_name));
    DemoAccount account{role_name, "demo-" + std::string(role_name), auth::NewToken()};
    std::replace(account.login.begin(), account.login.end(), '_', '-');
    auth::NewUser user{
        account.login, "Demo " + std::string(role_name), role, {"*"}, account.password, ""};
    StatusOr<auth::UserRecord> added = store->AddUser(user);
    if (!added.ok())
      return added.status().WithContext("demo account " + account.login);
    accounts.push_back(account);
  }
  std::ofstream out(AccountsFile(data_dir), std::ios::trunc);
  ::chmod(AccountsFile(data_dir).c_str(), S_IRUSR | S_IWUSR);
  for (const DemoAccount& account : accounts) {
    out << account.role << ' ' << account.login << ' ' << account.password << '\n';
  }
  if (!out.flush()) {
    return Error(StatusCode::kInternal, "write_failed", "cannot write " + AccountsFile(data_dir));
  }
  return accounts;
}

// This run's number: one more than the last (DIR/demo-runs.txt), recorded.
int NextRun(const std::string& data_dir) {
  int runs = 0;
  if (std::ifstream in(RunsFile(data_dir)); in)
    in >> runs;
  std::ofstream(RunsFile(data_dir), std::ios::trunc) << runs + 1 << '\n';
  return runs + 1;
}

StatusOr<std::string> LogIn(uint16_t port, const DemoAccount& admin) {
  client::HttpClient http("127.0.0.1", port);
  nlohmann::json body = {{"login", admin.login}, {"password", admin.password}};
  client::HttpReply reply = http.Post("/api/v1/login", body.dump());
  nlohmann::json answer = reply.Json();
  if (reply.status != 200 || !answer.is_object() || !answer.contains("token")) {
    return Error(StatusCode::kUnauthenticated, "demo_login_failed",
                 "the demo admin could not log in (HTTP " + std::to_string(reply.status) + ")");
  }
  return answer["token"].get<std::string>();
}

void PrintBanner(const std::string& address, bool serves_pages,
                 const std::vector<DemoAccount>& accounts, const sim::Scenario& scenario, int run) {
  std::string base = "http://" + address;
  std::cout << "\nEntrepôt demo, shift " << run << ": " << scenario.workers()
            << " simulated workers from " << wire::FormatRfc3339Ms(scenario.start_ms) << " for "
            << scenario.minutes << " minutes at " << scenario.speed << "x\n\n";
  if (serves_pages) {
    std::cout << "  live floor     " << base << "/#/floor\n"
              << "  dashboards     " << base << "/#/dashboards\n"
              << "  scanner        " << base << "/#/scanner\n";
  } else {
    std::cout << "  web pages      not built: bash tools/build_web.sh\n";
  }
  std::cout << "  API            " << base << "/api/v1  (docs/API.md)\n"
            << "  live events    " << base << "/api/v1/events  (Accept: text/event-stream)\n"
            << "  cut-offs       " << base << "/api/v1/cutoffs\n"
            << "  OpenAPI        " << base << "/api/v1/openapi.json\n"
            << "  health         " << base << "/healthz\n\n"
            << "  Accounts (sign in on the pages, or POST /api/v1/login):\n";
  for (const DemoAccount& account : accounts) {
    std::printf("    %-13s %-18s %s\n", account.role.c_str(), account.login.c_str(),
                account.password.c_str());
  }
  std::cout << "\nCtrl-C stops the demo cleanly.\n" << std::endl;
}

void PrintProgress(const sim::Tally& tally, int64_t now_ms, const sim::Scenario& scenario) {
  int64_t scans = 0;
  for (const auto& [outcome, count] : tally.scans_by_outcome)
    scans += count;
  int64_t done =
      std::clamp<int64_t>(now_ms - scenario.start_ms, 0, scenario.end_ms() - scenario.start_ms);
  int percent =
      static_cast<int>(100 * done / std::max<int64_t>(scenario.end_ms() - scenario.start_ms, 1));
  std::printf("\r%s  %3d%%  %lld scans  %lld orders, %lld shipped (%lld on time)  %lld units in   ",
              wire::FormatRfc3339Ms(now_ms).substr(11, 5).c_str(), std::min(percent, 100),
              static_cast<long long>(scans), static_cast<long long>(tally.orders_placed),
              static_cast<long long>(tally.orders_shipped),
              static_cast<long long>(tally.orders_shipped_on_time),
              static_cast<long long>(tally.units_received));
  std::fflush(stdout);
}

void PrintReport(const client::RunReport& report) {
  const sim::Tally& tally = report.tally;
  std::cout << "\n\nShift " << (report.stopped ? "stopped" : "over") << ": " << tally.units_received
            << " units received, " << tally.units_stowed << " stowed, " << tally.units_picked
            << " picked, " << tally.units_packed << " packed, " << tally.units_shipped
            << " shipped; " << tally.orders_placed << " orders, " << tally.orders_shipped
            << " shipped, " << tally.orders_shipped_on_time
            << " before their cut-off.\nScans by outcome:";
  for (const auto& [outcome, count] : tally.scans_by_outcome) {
    std::cout << ' ' << outcome << ' ' << count;
  }
  std::printf("\nLatency p50 %.2f ms, p99 %.2f ms; %.0f scans/s; surprises %lld\n",
              report.latency_p50_ms, report.latency_p99_ms, report.scans_per_second,
              static_cast<long long>(tally.surprises));
  for (const std::string& surprise : tally.surprise_examples) {
    std::cout << "  surprise: " << surprise << '\n';
  }
  std::cout << std::flush;
}

struct DemoPlan {
  domain::Layout layout;
  sim::Scenario scenario;
  std::vector<DemoAccount> accounts;
  int run = 1;
};

// Everything before the server starts: the layout, the scenario moved to now, the site
// (created when needed) and its demo accounts.
StatusOr<DemoPlan> PrepareDemo(const DemoOptions& options) {
  DemoPlan plan;
  ENTREPOT_ASSIGN_OR_RETURN(plan.layout, ReadLayoutFile(options.layout_file));
  ENTREPOT_ASSIGN_OR_RETURN(std::string scenario_text,
                            ReadFile(options.scenario_file, kMaxScenarioFileBytes));
  StatusOr<sim::Scenario> scenario = sim::ParseScenarioToml(scenario_text);
  if (!scenario.ok())
    return scenario.status().WithContext(options.scenario_file);
  plan.scenario = *std::move(scenario);
  if (options.fresh)
    ENTREPOT_RETURN_IF_ERROR(RemoveDemoSite(options.data_dir));
  std::error_code error;
  if (!std::filesystem::exists(JournalPath(options.data_dir), error)) {
    ENTREPOT_RETURN_IF_ERROR(CreateSite(options.data_dir, plan.layout));
    std::cout << "created site " << plan.layout.site_code << " in " << options.data_dir << '\n';
  }
  ENTREPOT_ASSIGN_OR_RETURN(plan.accounts, DemoAccounts(options.data_dir));
  plan.run = NextRun(options.data_dir);
  // Each run is the next shift: another seed (other pallets, orders and labels), from now.
  plan.scenario.seed += static_cast<uint64_t>(plan.run - 1);
  plan.scenario.MoveStart(SystemNowMs() / 60'000 * 60'000);
  if (options.speed)
    plan.scenario.speed = *options.speed;
  return plan;
}

}  // namespace

int RunDemo(const DemoOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // Every thread started from here on too.

  StatusOr<DemoPlan> plan = PrepareDemo(options);
  if (!plan.ok())
    return ReportError(plan.status(), 1);
  sim::SiteAtStart at_start;
  ServeOptions serve;
  serve.data_dir = options.data_dir;
  serve.listen = options.listen;
  serve.web_dir = options.web_dir;
  bool refused_options = false;
  StatusOr<std::unique_ptr<ServerStack>> stack = ServerStack::Start(
      serve,
      {.inspect = [&](const core::SiteState& state) { at_start = sim::ReadSiteAtStart(state); }},
      &refused_options);
  if (!stack.ok())
    return ReportError(stack.status(), refused_options ? 1 : 2);
  StatusOr<std::unique_ptr<sim::FloorModel>> model =
      sim::FloorModel::Create(plan->layout, plan->scenario, at_start);
  StatusOr<std::string> token = LogIn((*stack)->port(), plan->accounts[0]);
  if (!model.ok() || !token.ok())
    return ReportError(model.ok() ? token.status() : model.status());
  PrintBanner((*stack)->address(), (*stack)->serves_pages(), plan->accounts, plan->scenario,
              plan->run);

  std::atomic<bool> stop{false};
  std::atomic<bool> shift_over{false};
  StatusOr<client::RunReport> report = Error(StatusCode::kUnavailable, "not_run", "");
  client::RunOptions run;
  run.port = (*stack)->port();
  run.admin_token = *token;
  run.connections = options.connections;
  run.speed = plan->scenario.speed;
  run.device_prefix = "DEMO" + std::to_string(plan->run);
  run.stop = &stop;
  run.progress = [&](const sim::Tally& tally, int64_t now_ms) {
    PrintProgress(tally, now_ms, plan->scenario);
  };
  std::thread shift([&] {
    report = client::RunSimulation(**model, run);
    shift_over = true;
  });

  bool stopping = false;
  bool reported = false;
  const timespec tick{0, 200'000'000};
  while (!stopping) {
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
    stopping = signal_number == SIGINT || signal_number == SIGTERM;
    if (stopping)
      stop = true;
    if (shift_over && !reported) {
      reported = true;
      if (report.ok())
        PrintReport(*report);
      else
        std::cerr << "\nthe simulation failed: " << report.status().ToString() << std::endl;
      if (options.once)
        break;
      std::cout << "The server keeps serving the site; Ctrl-C stops it." << std::endl;
    }
  }
  shift.join();
  if (!reported && report.ok())
    PrintReport(*report);
  std::cout << "stopping" << std::endl;
  if (Status stopped = (*stack)->Stop(); !stopped.ok())
    return ReportError(stopped);
  std::cout << "stopped at seq " << (*stack)->last_seq() << "; the site stays in "
            << options.data_dir << " (entrepot demo resumes it, --fresh starts over)" << std::endl;
  return report.ok() ? 0 : 2;
}

}  // namespace entrepot::cli
