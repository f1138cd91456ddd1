// `entrepot serve`: the HTTP API over one site. The main thread wires the site's engine to a
// sequencer thread and the network threads, and the engine's commits to the event feed
// (GET /api/v1/events), the movement index (history, flow) and the labor recorder (DIR/labor.db,
// docs/LABOR.md), opens the EPCIS repository (DIR/epcis.db, whose thread follows the journal),
// starts the hourly labor retention job, prints the address, then waits for SIGINT or SIGTERM;
// on either it stops accepting (ending event streams), commits and answers what is queued,
// writes what the labor recorder holds, stops the job and the EPCIS follower, writes a
// snapshot and exits.
//
// With --store postgresql://..., the journal is the site's in PostgreSQL (the engine's writer
// and a second, read-only connection for the event feed); DIR keeps the other files. The
// movement index and the EPCIS follower read only a SQLite journal for now, so with a
// PostgreSQL store unit history and flow answer 503 "index_unavailable", and the EPCIS
// repository holds captured events only (docs/STORAGE.md).
#include <signal.h>

#include <chrono>
#include <iostream>
#include <span>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/event_routes.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/api/web_assets.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/server_stack.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/event_feed.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::cli {
namespace {

// Blocks SIGINT and SIGTERM in this thread and in every thread started after it, so that
// only WaitForStopSignal receives them.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  return signal_number;
}

// The policy the server runs under: FILE, or the strict default. Returns "policy_unlawful"
// (listing each broken hard rule) rather than start on a policy the rules forbid; warnings
// are printed and the server starts.
StatusOr<privacy::Policy> LoadServePolicy(const ServeOptions& options) {
  std::string text;
  if (options.policy_file) {
    ENTREPOT_ASSIGN_OR_RETURN(text, ReadFile(*options.policy_file, privacy::kMaxPolicyTomlBytes));
  }
  const privacy::Date today = TodayUtc();
  StatusOr<privacy::Policy> policy = privacy::LoadLawfulPolicy(text, today);
  if (!policy.ok()) {
    return options.policy_file ? policy.status().WithContext(*options.policy_file)
                               : policy.status();
  }
  for (const privacy::Violation& warning : privacy::CheckPolicy(*policy, today).violations) {
    std::cerr << "warning: " << privacy::FormatViolation(warning);
  }
  return policy;
}

// The web pages of `options`: the given directory (which must hold them), else the source
// tree's web/dist when it was built; nullptr when there are none to serve.
StatusOr<std::unique_ptr<api::WebAssets>> LoadWebPages(const ServeOptions& options) {
  StatusOr<api::WebAssets> pages = api::WebAssets::Load(options.web_dir.value_or(ENTREPOT_WEB_DIR));
  if (!pages.ok()) {
    if (!options.web_dir && pages.status().reason() == "web_not_found") {
      return std::unique_ptr<api::WebAssets>();
    }
    return pages.status();
  }
  return std::make_unique<api::WebAssets>(*std::move(pages));
}

// Opens DIR/audit.db and prunes what the policy no longer keeps (RET-03); the prune leaves
// a record of itself. A failed prune is reported and retried at the next start: the log
// stays verifiable either way.
StatusOr<std::unique_ptr<store::AuditLog>> OpenAuditLog(const std::string& data_dir,
                                                        const privacy::Policy& policy) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::AuditLog> audit,
                            store::AuditLog::OpenInDirectory(data_dir));
  const int64_t now_ms = SystemNowMs();
  StatusOr<store::AuditPruneResult> pruned = audit->PruneBefore(
      privacy::AuditRetentionCutoffMs(now_ms, policy.retention.audit_log_months), now_ms);
  if (!pruned.ok()) {
    std::cerr << "warning: audit log not pruned: " << pruned.status().ToString() << std::endl;
  }
  return audit;
}

// Opens DIR/labor.db under the policy. A labor store that cannot be opened disables the labor
// stream (badge sign-ins are then not recorded in it, the labor routes answer 503
// "labor_unavailable"): labor data is not the truth of the stock, and scanning must not stop.
std::unique_ptr<store::LaborStore> OpenLaborStore(const std::string& data_dir,
                                                  const privacy::Policy& policy) {
  StatusOr<std::unique_ptr<store::LaborStore>> labor = store::LaborStore::Open(data_dir, policy);
  if (!labor.ok()) {
    std::cerr << "warning: no labor stream: " << labor.status().ToString() << std::endl;
    return nullptr;
  }
  return *std::move(labor);
}

// How the site's EPCIS events write identifiers: EPC URNs (the form partners' EPCIS
// repositories read most), split with the GS1 Company Prefix length `gcp_length`, locations
// as SGLNs of `gln` (private URNs without one). epcis::ValidateIdOptions checks them.
epcis::IdOptions EpcisIdsFor(const std::string& site_code, const std::string& gln, int gcp_length) {
  epcis::IdOptions ids;
  ids.form = epcis::IdForm::kUrn;
  ids.company_prefix_length = gcp_length;
  ids.site_gln = gln;
  ids.site_code = site_code;
  return ids;
}

// Opens DIR/epcis.db and starts its journal follower. A repository that cannot be opened
// only disables the EPCIS routes (503 "epcis_unavailable"): scanning must not stop for it,
// and a file that is not a repository is left untouched (it may hold partners' events).
// With a PostgreSQL store the repository does not follow the journal (it reads SQLite only):
// capture and query of captured events still work.
std::unique_ptr<server::EpcisRepository> OpenEpcis(const SiteLocation& location,
                                                   epcis::IdOptions ids) {
  server::EpcisRepositoryOptions options =
      server::EpcisRepositoryOptions::ForDataDir(location.data_dir, std::move(ids), SystemNowMs);
  if (!location.store.empty()) {
    options.journal_path.clear();
    std::cerr << "warning: the site's own EPCIS events are not derived with a PostgreSQL store "
                 "yet; captured events only"
              << std::endl;
  }
  StatusOr<std::unique_ptr<server::EpcisRepository>> epcis =
      server::EpcisRepository::Open(std::move(options));
  if (!epcis.ok()) {
    std::cerr << "warning: no EPCIS capture or query: " << epcis.status().ToString() << std::endl;
    return nullptr;
  }
  return *std::move(epcis);
}

// What follows the engine's commits: the live event feed, the movement index (history,
// flow) and the labor recorder. All are derived from the journal; the engine's one commit
// listener feeds them.
struct Followers {
  std::unique_ptr<server::EventFeed> feed;
  std::unique_ptr<server::MovementIndex> movements;  // Null when index.db cannot be opened.
  std::unique_ptr<server::LaborRecorder> labor;      // Null without a labor store.
};

// Opens the followers and installs the commit listener. REQUIRES: called before the engine
// moves to the sequencer thread, so that no commit is missed. The feed's own read-only
// journal connection serves pages older than its in-memory window. A movement index that
// cannot be opened only disables history and flow (503 "index_unavailable"): it is derived
// data, and scanning must not stop for it.
// The labor recorder learns the zone of each location from the state now, while it may still
// be read here, and from the committed records afterwards. With a PostgreSQL store, the
// feed's reader is a second connection to the same site, and there is no movement index
// (it follows only a SQLite journal for now).
StatusOr<Followers> OpenFollowers(const SiteLocation& location, engine::SiteEngine& engine,
                                  store::LaborStore* labor) {
  SiteLocation reader_location = location;
  reader_location.site = engine.state().site_code();
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::Journal> reader,
                            OpenJournal(reader_location, OpenMode::kReadOnly));
  Followers followers;
  followers.feed = std::make_unique<server::EventFeed>(std::move(reader), engine.last_seq());
  StatusOr<std::unique_ptr<server::MovementIndex>> movements =
      location.store.empty()
          ? server::MovementIndex::Open(server::MovementIndexOptions::ForDataDir(location.data_dir))
          : StatusOr<std::unique_ptr<server::MovementIndex>>(
                Error(StatusCode::kUnimplemented, "index_needs_sqlite_journal",
                      "the movement index follows only a SQLite journal for now"));
  if (movements.ok()) {
    followers.movements = *std::move(movements);
  } else {
    std::cerr << "warning: no unit history or flow: " << movements.status().ToString() << std::endl;
  }
  if (labor != nullptr) {
    followers.labor =
        server::LaborRecorder::Start(*labor, server::ScanZones::FromState(engine.state()));
  }
  engine.set_commit_listener(
      [feed = followers.feed.get(), movements = followers.movements.get(),
       recorder = followers.labor.get()](std::span<const store::JournalRecord> records) {
        feed->Publish(records);
        if (movements != nullptr) {
          movements->Publish(records);
        }
        if (recorder != nullptr) {
          recorder->Publish(records);  // Returns at once; drops rather than slow scanning.
        }
      });
  return followers;
}

// The hourly end-of-day job (RET-01, RET-02): rolls up the labor days due for every account
// of the site and expires weekly aggregates past retention, with a system audit record each.
std::unique_ptr<server::LaborRetentionJob> StartRetentionJob(store::LaborStore& labor,
                                                             store::AuditLog* audit,
                                                             auth::AccountStore& accounts,
                                                             const privacy::Policy& policy) {
  server::LaborRetentionOptions options;
  options.now_ms = SystemNowMs;
  // OpenAuditLog pruned at start; the job prunes once a day from tomorrow (RET-03).
  options.audit_log_months = policy.retention.audit_log_months;
  options.audit_pruned_at_start = true;
  options.worker_ids = [&accounts]() -> StatusOr<std::vector<int64_t>> {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<auth::UserRecord> users, accounts.ListUsers());
    std::vector<int64_t> ids;
    ids.reserve(users.size());
    for (const auth::UserRecord& user : users) {
      ids.push_back(user.id);
    }
    return ids;
  };
  return server::LaborRetentionJob::Start(labor, audit, std::move(options));
}

}  // namespace

// Everything a running server holds, in the order it must be built (and, reversed, torn
// down): the HTTP server last, since it calls into all the rest.
struct ServerStack::Parts {
  privacy::Policy policy;
  std::unique_ptr<auth::AccountStore> accounts;
  std::unique_ptr<store::AuditLog> audit;
  std::unique_ptr<store::LaborStore> labor;
  Followers followers;
  std::unique_ptr<server::EpcisRepository> epcis;
  std::unique_ptr<server::LaborRetentionJob> retention;
  std::unique_ptr<api::EventRoutes> event_routes;
  std::unique_ptr<api::WebAssets> web;
  api::Metrics metrics;
  std::unique_ptr<server::Sequencer> sequencer;
  std::unique_ptr<api::ApiHandler> handler;
  std::unique_ptr<api::HttpServer> server;
  bool stopped = false;
};

StatusOr<std::unique_ptr<ServerStack>> ServerStack::Start(
    const ServeOptions& options, const std::function<void(const core::SiteState&)>& inspect,
    bool* refused_options) {
  bool refused = false;
  if (refused_options == nullptr)
    refused_options = &refused;
  *refused_options = true;
  api::HttpServerOptions server_options;
  server_options.network_threads = options.network_threads;
  ENTREPOT_RETURN_IF_ERROR(api::ParseListenAddress(options.listen, server_options));
  ENTREPOT_RETURN_IF_ERROR(
      epcis::ValidateIdOptions(EpcisIdsFor("SITE", options.gln, options.gcp_length)));
  auto parts = std::make_unique<Parts>();
  ENTREPOT_ASSIGN_OR_RETURN(parts->policy, LoadServePolicy(options));
  ENTREPOT_ASSIGN_OR_RETURN(parts->web, LoadWebPages(options));
  *refused_options = false;
  const SiteLocation location(options.data_dir, options.store, options.site);
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<engine::SiteEngine> engine,
                            OpenSite(location, OpenMode::kExisting));
  if (inspect)
    inspect(engine->state());
  // The accounts live beside the journal, in their own file (never in operational events).
  auth::AccountStoreOptions account_options;
  account_options.now_ms = SystemNowMs;
  account_options.site_code = engine->state().site_code();
  ENTREPOT_ASSIGN_OR_RETURN(
      parts->accounts, auth::AccountStore::Open(AccountsPath(options.data_dir), account_options));
  const std::string site_code = account_options.site_code;
  epcis::IdOptions epcis_ids = EpcisIdsFor(site_code, options.gln, options.gcp_length);
  ENTREPOT_ASSIGN_OR_RETURN(parts->audit, OpenAuditLog(options.data_dir, parts->policy));
  parts->labor = OpenLaborStore(options.data_dir, parts->policy);
  ENTREPOT_ASSIGN_OR_RETURN(parts->followers, OpenFollowers(location, *engine, parts->labor.get()));
  parts->epcis = OpenEpcis(location, std::move(epcis_ids));
  if (parts->labor != nullptr) {
    parts->retention =
        StartRetentionJob(*parts->labor, parts->audit.get(), *parts->accounts, parts->policy);
  }
  parts->event_routes = std::make_unique<api::EventRoutes>(*parts->followers.feed);
  server::SequencerOptions sequencer_options;
  sequencer_options.on_commit = [metrics = &parts->metrics](size_t commands, double seconds) {
    metrics->CountCommit(commands, seconds);
  };
  parts->sequencer = std::make_unique<server::Sequencer>(std::move(engine), sequencer_options);
  parts->handler = std::make_unique<api::ApiHandler>(
      *parts->sequencer, parts->metrics, *parts->accounts, site_code, SystemNowMs,
      api::ApiServices{.events = parts->event_routes.get(),
                       .movements = parts->followers.movements.get(),
                       .audit = parts->audit.get(),
                       .labor = parts->labor.get(),
                       .labor_recorder = parts->followers.labor.get(),
                       .policy = &parts->policy,
                       .epcis = parts->epcis.get(),
                       .web = parts->web.get()});
  std::unique_ptr<ServerStack> stack(new ServerStack(std::move(parts)));
  StatusOr<std::unique_ptr<api::HttpServer>> server =
      api::HttpServer::Start(*stack->parts_->handler, server_options);
  if (!server.ok()) {
    (void)stack->Stop();
    return server.status();
  }
  stack->parts_->server = *std::move(server);
  return stack;
}

ServerStack::ServerStack(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ServerStack::~ServerStack() { (void)Stop(); }

std::string ServerStack::address() const { return parts_->server->address(); }
uint16_t ServerStack::port() const { return parts_->server->port(); }
uint64_t ServerStack::last_seq() const { return parts_->sequencer->last_seq(); }
bool ServerStack::serves_pages() const { return parts_->web != nullptr; }

Status ServerStack::Stop() {
  if (parts_->stopped)
    return OkStatus();
  parts_->stopped = true;
  if (parts_->server != nullptr)
    parts_->server->Stop();
  // Commits and answers whatever is still queued, then writes a snapshot.
  Status stopped = parts_->sequencer->Stop();
  Followers& followers = parts_->followers;
  followers.feed->Close();
  if (followers.movements != nullptr)
    followers.movements->Stop();
  if (followers.labor != nullptr)
    followers.labor->Stop();  // Writes what it holds first.
  if (parts_->retention != nullptr)
    parts_->retention->Stop();  // A run in progress ends first.
  if (parts_->epcis != nullptr)
    parts_->epcis->Stop();  // The rest is mapped at the next start.
  return stopped;
}

int RunServe(const ServeOptions& options) {
  sigset_t signals = BlockStopSignals();
  bool refused_options = false;
  StatusOr<std::unique_ptr<ServerStack>> stack = ServerStack::Start(options, {}, &refused_options);
  if (!stack.ok()) {
    // What a person must fix in the command is 1; a site or port that cannot be opened, 2.
    return ReportError(stack.status(), refused_options ? 1 : 2);
  }
  std::cout << "listening on http://" << (*stack)->address() << std::endl;
  if ((*stack)->serves_pages()) {
    std::cout << "web pages: http://" << (*stack)->address() << "/" << std::endl;
  } else {
    std::cout << "web pages: not built (bash tools/build_web.sh), serving the API only"
              << std::endl;
  }
  int signal_number = WaitForStopSignal(signals);
  std::cout << "stopping (" << (signal_number == SIGINT ? "SIGINT" : "SIGTERM") << ")" << std::endl;
  if (Status stopped = (*stack)->Stop(); !stopped.ok()) {
    return ReportError(stopped);
  }
  std::cout << "stopped at seq " << (*stack)->last_seq() << std::endl;
  return 0;
}

}  // namespace entrepot::cli
