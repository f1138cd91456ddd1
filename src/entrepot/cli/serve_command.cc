// `entrepot serve`: the HTTP API over one site. The main thread wires the site's engine to a
// sequencer thread and the network threads, and the engine's commits to the event feed
// (GET /api/v1/events), the movement index (history, flow) and the labor recorder (DIR/labor.db,
// docs/LABOR.md), opens the EPCIS repository (DIR/epcis.db, whose thread follows the journal),
// starts the hourly end-of-day job (sign-in key rotation, labor retention), prints the address,
// then waits for SIGINT or SIGTERM; on either it stops accepting (ending event streams), commits
// and answers what is queued, writes what the labor recorder holds, stops the job and the EPCIS
// follower, writes a snapshot and exits.
//
// With --store postgresql://..., the journal, the audit log, the accounts and the labor stream
// are the site's in PostgreSQL (the labor keys stay files: --labor-keys)
// (the engine's writer, and read-only connections for the event feed, the movement index's
// catch-ups and the EPCIS follower); DIR keeps the other files, index.db and epcis.db
// included. The node first takes the site's lease, or waits as a standby until it can, and
// its journal writes are fenced by the lease's token (docs/STORAGE.md, "Failover").
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <span>
#include <thread>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/event_routes.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/api/standby_answers.h"
#include "entrepot/api/web_assets.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/server_stack.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/server/epcis_postgres.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/event_feed.h"
#include "entrepot/server/labor_day.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/server/site_lease_keeper.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_store.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_labor_store.h"
#include "entrepot/store/postgres_lease.h"

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

// The stop signal received within `timeout`; 0 when none came.
int WaitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec wait{.tv_sec = static_cast<time_t>(seconds.count()),
                      .tv_nsec = static_cast<long>((timeout - seconds).count()) * 1'000'000L};
  const int signal_number = sigtimedwait(&signals, nullptr, &wait);
  return signal_number > 0 ? signal_number : 0;
}

const char* SignalName(int signal_number) { return signal_number == SIGINT ? "SIGINT" : "SIGTERM"; }

// The policy the server runs under: FILE, or the strict default. Returns "policy_unlawful"
// (listing each broken hard rule) rather than start on a policy the rules forbid; warnings
// are printed and the server starts.
StatusOr<privacy::Policy> LoadServePolicy(const ServeOptions& options) {
  std::string text;
  if (options.policy_file) {
    ENTREPOT_ASSIGN_OR_RETURN(text, ReadFile(*options.policy_file, privacy::kMaxPolicyTomlBytes));
  }
  const privacy::Date today = TodayUtc();
  // An unknown labor.time_zone is refused with the hard rules (RET-01: no labor day to end).
  StatusOr<privacy::Policy> policy =
      privacy::LoadLawfulPolicy(text, today, server::IsKnownTimeZone);
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

// Opens the site's audit log (DIR/audit.db; with a PostgreSQL store, the site's log in the
// database, shared by the nodes of the site, with the key DIR/audit.key) and prunes what the
// policy no longer keeps (RET-03); the prune leaves a record of itself. A failed prune is
// reported and retried at the next start: the log stays verifiable either way.
// REQUIRES: location.site resolved when location.store is set.
StatusOr<std::unique_ptr<store::AuditLog>> OpenAuditLog(const SiteLocation& location,
                                                        const privacy::Policy& policy) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<store::AuditLog> audit,
      store::OpenSiteAuditLog(location.data_dir, location.store, location.site));
  const int64_t now_ms = SystemNowMs();
  StatusOr<store::AuditPruneResult> pruned = audit->PruneBefore(
      privacy::AuditRetentionCutoffMs(now_ms, policy.retention.audit_log_months), now_ms);
  if (!pruned.ok()) {
    std::cerr << "warning: audit log not pruned: " << pruned.status().ToString() << std::endl;
  }
  return audit;
}

// Opens the labor stream under the policy: DIR/labor.db, or with a PostgreSQL store the site's
// labor tables there, shared by the nodes of the site; its keys in `key_dir` (--labor-keys,
// default DIR/labor-keys), which the nodes must share to keep a day attributable across a
// takeover (docs/LABOR.md). A labor store that cannot be opened disables the labor stream
// (badge sign-ins are then not recorded in it, the labor routes answer 503
// "labor_unavailable"): labor data is not the truth of the stock, and scanning must not stop.
std::unique_ptr<store::LaborStore> OpenLaborStore(const SiteLocation& location,
                                                  const std::string& key_dir,
                                                  const privacy::Policy& policy) {
  StatusOr<std::unique_ptr<store::LaborStore>> labor = store::OpenSiteLaborStore(
      location.data_dir, location.store, location.site, policy, {.key_dir = key_dir});
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
// With a PostgreSQL store the repository follows the site's journal there.
std::unique_ptr<server::EpcisRepository> OpenEpcis(const SiteLocation& location,
                                                   epcis::IdOptions ids) {
  const SiteLocation site(location.data_dir, location.store, ids.site_code);
  server::EpcisRepositoryOptions options =
      server::EpcisRepositoryOptions::ForDataDir(location.data_dir, std::move(ids), SystemNowMs);
  StatusOr<std::unique_ptr<server::EpcisRepository>> epcis =
      [&]() -> StatusOr<std::unique_ptr<server::EpcisRepository>> {
    if (!site.store.empty()) {
      ENTREPOT_ASSIGN_OR_RETURN(options.open_journal, ReadOnlyJournalFactory(site));
      // Partners' captures are the site's, shared by its nodes (docs/EPCIS.md).
      options.open_shared_captures = [url = site.store, code = site.site] {
        return server::OpenPostgresEpcisCaptures(url, code);
      };
    }
    return server::EpcisRepository::Open(std::move(options));
  }();
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
// feed's reader is a second connection to the same site, and the movement index opens its
// own for each catch-up.
StatusOr<Followers> OpenFollowers(const SiteLocation& location, engine::SiteEngine& engine,
                                  store::LaborStore* labor, const server::LaborTimeZone& zone) {
  SiteLocation reader_location = location;
  reader_location.site = engine.state().site_code();
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::Journal> reader,
                            OpenJournal(reader_location, OpenMode::kReadOnly));
  Followers followers;
  followers.feed = std::make_unique<server::EventFeed>(std::move(reader), engine.last_seq());
  server::MovementIndexOptions index_options =
      server::MovementIndexOptions::ForDataDir(location.data_dir);
  if (!location.store.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(index_options.open_journal, ReadOnlyJournalFactory(reader_location));
  }
  StatusOr<std::unique_ptr<server::MovementIndex>> movements =
      server::MovementIndex::Open(std::move(index_options));
  if (movements.ok()) {
    followers.movements = *std::move(movements);
  } else {
    std::cerr << "warning: no unit history or flow: " << movements.status().ToString() << std::endl;
  }
  if (labor != nullptr) {
    server::LaborRecorderOptions recorder_options;
    recorder_options.time_zone = zone;  // Sign-ins belong to the site's local day.
    followers.labor = server::LaborRecorder::Start(
        *labor, server::ScanZones::FromState(engine.state()), std::move(recorder_options));
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

// The hourly end-of-day job (RET-01, RET-02): rotates the sign-in key of the device sessions,
// rolls up the labor days due for every account of the site and expires weekly aggregates past
// retention, with a system audit record each. Without a labor stream (`labor` null) it still
// rotates the sign-in key and prunes the audit log.
std::unique_ptr<server::LaborRetentionJob> StartRetentionJob(store::LaborStore* labor,
                                                             store::AuditLog* audit,
                                                             auth::AccountStore& accounts,
                                                             const privacy::Policy& policy,
                                                             const server::LaborTimeZone& zone) {
  server::LaborRetentionOptions options;
  options.now_ms = SystemNowMs;
  options.time_zone = zone;  // Rolls up just after local midnight.
  // OpenAuditLog pruned at start; the job prunes once a day from tomorrow (RET-03).
  options.audit_log_months = policy.retention.audit_log_months;
  options.audit_pruned_at_start = true;
  options.accounts = &accounts;  // Its first run, at start, ends a day the server slept through.
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

// This node's name in the site's lease, for the standbys and /healthz: host, address, pid.
std::string NodeName(const std::string& address) {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host[0] = '\0';
  }
  return std::string(host.data()) + " " + address + " pid " + std::to_string(getpid());
}

}  // namespace

// Everything a running server holds, in the order it must be built (and, reversed, torn
// down): the HTTP server last, since it calls into all the rest. It listens first, though:
// until `active` is set it gives the answers of a node that does not serve yet.
struct ServerStack::Parts {
  privacy::Policy policy;
  // PostgreSQL only: the site's lease and its renewals (docs/STORAGE.md, "Failover").
  std::unique_ptr<store::PostgresSiteLease> lease;
  std::unique_ptr<server::SiteLeaseKeeper> lease_keeper;
  std::string node_name;
  std::unique_ptr<server::SignInKeyDir> signin_keys;  // Outlives `accounts`, which uses it.
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
  // What the HTTP server answers with until `active` is set.
  std::mutex standby_mutex;
  api::StandbyView standby;
  std::atomic<api::ApiHandler*> active{nullptr};
  std::unique_ptr<api::HttpServer> server;
  bool stopped = false;

  void Answer(api::HttpRequest request, std::function<void(api::HttpResponse)> respond) {
    if (api::ApiHandler* serving = active.load(std::memory_order_acquire)) {
      serving->Handle(std::move(request), std::move(respond));
      return;
    }
    std::lock_guard lock(standby_mutex);
    respond(api::StandbyAnswer(request, standby));
  }
};

StatusOr<std::unique_ptr<ServerStack>> ServerStack::Start(const ServeOptions& options,
                                                          const StartHooks& hooks,
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
  SiteLocation location(options.data_dir, options.store, options.site);
  if (!location.store.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(location.site, ResolveSiteCode(location));
  }
  std::unique_ptr<ServerStack> stack(new ServerStack(std::move(parts)));
  ENTREPOT_RETURN_IF_ERROR(stack->Listen(server_options));
  if (!location.store.empty()) {
    if (hooks.report)
      hooks.report("answering on http://" + stack->address() + " while taking the lease of site " +
                   location.site);
    ENTREPOT_RETURN_IF_ERROR(stack->TakeLease(options, location, hooks));
  }
  ENTREPOT_RETURN_IF_ERROR(stack->Serve(options, location, hooks));
  if (location.lease_token && hooks.report)
    hooks.report("active for site " + location.site + " (lease token " +
                 std::to_string(*location.lease_token) + ") from seq " +
                 std::to_string(stack->last_seq()));
  return stack;
}

Status ServerStack::Listen(const api::HttpServerOptions& server_options) {
  Parts* parts = parts_.get();
  ENTREPOT_ASSIGN_OR_RETURN(
      parts->server,
      api::HttpServer::Start(
          [parts](api::HttpRequest request, std::function<void(api::HttpResponse)> respond) {
            parts->Answer(std::move(request), std::move(respond));
          },
          server_options));
  return OkStatus();
}

// Waits as a standby until this node holds the lease of location.site, then keeps it renewed.
// Sets location.lease_token, which fences every write of the site's journal.
Status ServerStack::TakeLease(const ServeOptions& options, SiteLocation& location,
                              const StartHooks& hooks) {
  Parts& parts = *parts_;
  parts.node_name = NodeName(address());
  {
    std::lock_guard lock(parts.standby_mutex);
    parts.standby.site = location.site;
  }
  const std::chrono::milliseconds ttl = std::chrono::seconds(options.lease_seconds);
  ENTREPOT_ASSIGN_OR_RETURN(
      parts.lease, store::PostgresSiteLease::Open(options.store, location.site,
                                                  {.holder = parts.node_name, .ttl = ttl}));
  // A try a second at most: a released lease is taken at once, whatever its time to live.
  const auto pause = std::min<std::chrono::milliseconds>(ttl / 5, std::chrono::seconds(1));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t token, WaitForLease(pause, hooks));
  location.lease_token = token;
  {
    std::lock_guard lock(parts.standby_mutex);
    parts.standby.standby = false;  // Taking over: "starting" while the journal replays.
  }
  if (hooks.report)
    hooks.report("took the lease of site " + location.site + " (lease token " +
                 std::to_string(token) + "): opening the site");
  store::PostgresSiteLease* lease = parts.lease.get();
  parts.lease_keeper =
      server::SiteLeaseKeeper::Start({.ttl = ttl,
                                      .renew = [lease] { return lease->Renew(); },
                                      .release = [lease] { return lease->Release(); },
                                      .on_lost =
                                          [report = hooks.report](const Status& why) {
                                            if (report)
                                              report("lost the site's lease: " + why.ToString());
                                          }});
  return OkStatus();
}

// Tries for the lease every `pause`; between tries the standby answers say who is active.
// Returns the token, or kUnavailable "standby_stopped" when hooks.standby_pause says stop.
StatusOr<int64_t> ServerStack::WaitForLease(std::chrono::milliseconds pause,
                                            const StartHooks& hooks) {
  Parts& parts = *parts_;
  std::string reported;  // The last holder reported, so that each change is said once.
  while (true) {
    StatusOr<std::optional<int64_t>> token = parts.lease->TryAcquire();
    if (token.ok() && token->has_value()) {
      return **token;
    }
    StatusOr<std::optional<store::LeaseState>> current =
        token.ok() ? parts.lease->Current() : token.status();
    std::string line;
    if (!current.ok()) {
      line = "standby for site " + parts.lease->site() +
             ": cannot read the lease: " + current.status().ToString();
    } else if (current->has_value()) {
      const store::LeaseState& holder = **current;
      std::lock_guard lock(parts.standby_mutex);
      parts.standby.standby = true;
      parts.standby.active_node = holder.holder;
      parts.standby.lease_token = holder.token;
      parts.standby.lease_expires_in_ms = holder.expires_in_ms;
      line = "standby for site " + parts.lease->site() + ": the active node is " + holder.holder +
             " (lease token " + std::to_string(holder.token) + ")";
    }
    if (line != reported && !line.empty() && hooks.report)
      hooks.report(line);
    reported = line;
    const bool go_on = hooks.standby_pause ? hooks.standby_pause(pause)
                                           : (std::this_thread::sleep_for(pause), true);
    if (!go_on)
      return Error(StatusCode::kUnavailable, "standby_stopped",
                   "stopped while standing by for site " + parts.lease->site());
  }
}

// Opens the site and everything that follows it, then serves it.
Status ServerStack::Serve(const ServeOptions& options, const SiteLocation& location,
                          const StartHooks& hooks) {
  Parts& parts = *parts_;
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<engine::SiteEngine> engine,
                            OpenSite(location, OpenMode::kExisting));
  if (hooks.inspect)
    hooks.inspect(engine->state());
  // The labor day's zone (LoadServePolicy refused a zone the tz database does not know).
  ENTREPOT_ASSIGN_OR_RETURN(server::LaborTimeZone labor_zone,
                            server::LaborTimeZone::Find(parts.policy.labor.time_zone));
  // The accounts are kept apart from the journal (never in operational events): in
  // DIR/accounts.db, or with a PostgreSQL store in the site's account tables there, shared by
  // the nodes of the site, so that tokens issued by a former active node still work. Their
  // device sessions are sealed under the labor day's sign-in key, a file of the labor key
  // directory (RET-01), which the nodes of a site share as they share the day keys.
  const std::filesystem::path key_dir =
      options.labor_keys.empty() ? std::filesystem::path(options.data_dir) / store::kLaborKeyDirName
                                 : std::filesystem::path(options.labor_keys);
  ENTREPOT_ASSIGN_OR_RETURN(parts.signin_keys,
                            server::SignInKeyDir::Open(key_dir, labor_zone, SystemNowMs));
  auth::AccountStoreOptions account_options;
  account_options.now_ms = SystemNowMs;
  account_options.site_code = engine->state().site_code();
  account_options.session_keys = parts.signin_keys.get();
  ENTREPOT_ASSIGN_OR_RETURN(
      parts.accounts,
      auth::OpenSiteAccountStore(options.data_dir, location.store, location.site, account_options));
  if (const size_t dropped = parts.accounts->device_sessions_dropped(); dropped > 0) {
    std::cerr << "warning: " << dropped << " badge sign-ins dropped: their sign-in key is not in "
              << key_dir.string() << " (the workers badge again)" << std::endl;
  }
  const std::string site_code = account_options.site_code;
  epcis::IdOptions epcis_ids = EpcisIdsFor(site_code, options.gln, options.gcp_length);
  ENTREPOT_ASSIGN_OR_RETURN(parts.audit, OpenAuditLog(location, parts.policy));
  parts.labor = OpenLaborStore(location, options.labor_keys, parts.policy);
  ENTREPOT_ASSIGN_OR_RETURN(parts.followers,
                            OpenFollowers(location, *engine, parts.labor.get(), labor_zone));
  parts.epcis = OpenEpcis(location, std::move(epcis_ids));
  parts.retention = StartRetentionJob(parts.labor.get(), parts.audit.get(), *parts.accounts,
                                      parts.policy, labor_zone);
  parts.event_routes = std::make_unique<api::EventRoutes>(*parts.followers.feed);
  server::SequencerOptions sequencer_options;
  sequencer_options.on_commit = [metrics = &parts.metrics](size_t commands, double seconds) {
    metrics->CountCommit(commands, seconds);
  };
  parts.sequencer = std::make_unique<server::Sequencer>(std::move(engine), sequencer_options);
  parts.handler = std::make_unique<api::ApiHandler>(
      *parts.sequencer, parts.metrics, *parts.accounts, site_code, SystemNowMs,
      api::ApiServices{.events = parts.event_routes.get(),
                       .movements = parts.followers.movements.get(),
                       .audit = parts.audit.get(),
                       .labor = parts.labor.get(),
                       .labor_recorder = parts.followers.labor.get(),
                       .policy = &parts.policy,
                       .epcis = parts.epcis.get(),
                       .web = parts.web.get(),
                       .lease = LeaseView()});
  parts.active.store(parts.handler.get(), std::memory_order_release);
  return OkStatus();
}

// What /healthz says of the lease; empty without one.
std::function<api::NodeLease()> ServerStack::LeaseView() const {
  if (parts_->lease_keeper == nullptr)
    return {};
  return [keeper = parts_->lease_keeper.get(), node = parts_->node_name,
          token = parts_->lease->token().value_or(0)] {
    const Status held = keeper->status();
    return api::NodeLease{
        .node = node, .token = token, .lost = held.ok() ? "" : std::string(held.reason())};
  };
}

ServerStack::ServerStack(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ServerStack::~ServerStack() { (void)Stop(); }

std::string ServerStack::address() const { return parts_->server->address(); }
uint16_t ServerStack::port() const { return parts_->server->port(); }
uint64_t ServerStack::last_seq() const { return parts_->sequencer->last_seq(); }
bool ServerStack::serves_pages() const { return parts_->web != nullptr; }

Status ServerStack::lease_status() const {
  return parts_->lease_keeper != nullptr ? parts_->lease_keeper->status() : OkStatus();
}

Status ServerStack::Stop() {
  if (parts_->stopped)
    return OkStatus();
  parts_->stopped = true;
  if (parts_->server != nullptr)
    parts_->server->Stop();
  // Commits and answers whatever is still queued, then writes a snapshot.
  Status stopped = parts_->sequencer != nullptr ? parts_->sequencer->Stop() : OkStatus();
  Followers& followers = parts_->followers;
  if (followers.feed != nullptr)
    followers.feed->Close();
  if (followers.movements != nullptr)
    followers.movements->Stop();
  if (followers.labor != nullptr)
    followers.labor->Stop();  // Writes what it holds first.
  if (parts_->retention != nullptr)
    parts_->retention->Stop();  // A run in progress ends first.
  if (parts_->epcis != nullptr)
    parts_->epcis->Stop();  // The rest is mapped at the next start.
  if (parts_->lease_keeper != nullptr) {
    // Last, once everything is committed: a standby takes the site over at once.
    Status released = parts_->lease_keeper->Stop(/*release=*/true);
    if (!released.ok())
      std::cerr << "warning: lease not released: " << released.ToString() << std::endl;
  }
  return stopped;
}

int RunServe(const ServeOptions& options) {
  sigset_t signals = BlockStopSignals();
  bool refused_options = false;
  int signal_number = 0;
  StartHooks hooks;
  hooks.standby_pause = [&](std::chrono::milliseconds pause) {
    signal_number = WaitForStopSignal(signals, pause);
    return signal_number == 0;
  };
  hooks.report = [](const std::string& line) { std::cout << line << std::endl; };
  StatusOr<std::unique_ptr<ServerStack>> stack =
      ServerStack::Start(options, hooks, &refused_options);
  if (!stack.ok()) {
    if (stack.status().reason() == "standby_stopped") {
      std::cout << "stopped (" << SignalName(signal_number) << ") while standing by" << std::endl;
      return 0;
    }
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
  // Until a stop signal, or the loss of the site's lease (then another node serves it).
  while ((signal_number = WaitForStopSignal(signals, std::chrono::milliseconds(200))) == 0 &&
         (*stack)->lease_status().ok()) {
  }
  if (Status lease = (*stack)->lease_status(); !lease.ok()) {
    std::cout << "stopping: this node no longer holds the site" << std::endl;
    (void)(*stack)->Stop();  // Its last writes are fenced: nothing more is committed.
    return ReportError(lease, 3);
  }
  std::cout << "stopping (" << SignalName(signal_number) << ")" << std::endl;
  if (Status stopped = (*stack)->Stop(); !stopped.ok()) {
    return ReportError(stopped);
  }
  std::cout << "stopped at seq " << (*stack)->last_seq() << std::endl;
  return 0;
}

}  // namespace entrepot::cli
