// File: server_stack.h
//
// A running `entrepot serve`, as an object: the site's engine on its sequencer thread, what
// follows its commits (event feed, movement index, labor recorder, EPCIS repository), the
// labor retention job and the HTTP server. `entrepot serve` starts one and waits for a
// signal; `entrepot demo` starts one and drives a simulated shift against it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "entrepot/api/http_server.h"
#include "entrepot/base/status.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/site_state.h"

namespace entrepot::cli {

// What ServerStack::Start calls back; each may be empty.
struct StartHooks {
  // Reads the site's state once the journal is replayed, before the sequencer takes the
  // engine.
  std::function<void(const core::SiteState&)> inspect{};
  // A standby's pause between tries for the lease: returns false to stop waiting (a stop
  // signal). Empty: sleeps.
  std::function<bool(std::chrono::milliseconds pause)> standby_pause{};
  // Lines for the operator (PostgreSQL store): standby, takeover, a lost lease.
  std::function<void(const std::string& line)> report{};
};

class ServerStack {
 public:
  // Listens on the options' address, then opens the site of `options` and serves it. Until
  // it serves, requests get the answers of api/standby_answers.h. With a PostgreSQL store
  // it first takes the site's lease (docs/STORAGE.md, "Failover"): while another node holds
  // it, this node waits as a standby, for as long as hooks.standby_pause lets it (then
  // kUnavailable "standby_stopped"); once it holds it, its journal writes are fenced by the
  // lease's token and a keeper renews the lease.
  // Errors: the options' (bad_listen_address; the policy file's read errors, bad_toml,
  // bad_policy, policy_unlawful; bad_gln, bad_company_prefix_length; the web pages' errors
  // of api::WebAssets::Load), for which
  // *refused_options (when given) is set true: the person must fix the command; then the
  // site's, the account store's and the audit log's open errors and the bind error.
  static StatusOr<std::unique_ptr<ServerStack>> Start(const ServeOptions& options,
                                                      const StartHooks& hooks = {},
                                                      bool* refused_options = nullptr);

  // Stops if Stop() was not called.
  ~ServerStack();
  ServerStack(const ServerStack&) = delete;
  ServerStack& operator=(const ServerStack&) = delete;

  // "127.0.0.1:8080", and the port alone (the bound one when the options asked for 0).
  std::string address() const;
  uint16_t port() const;

  // Stops accepting (ending event streams), commits and answers what is queued, stops the
  // followers and jobs (the labor recorder writes what it holds), writes a snapshot and
  // releases the site's lease. Returns the sequencer's stop status. Idempotent.
  Status Stop();

  // OK while this node holds its site (always, for a SQLite site); once the lease is lost,
  // why (server::SiteLeaseKeeper::status): the node must stop, another one serves the site.
  Status lease_status() const;

  // The journal's last sequence number (after Stop(): the last committed).
  uint64_t last_seq() const;

  // True when the web pages are served at "/" (ServeOptions::web_dir).
  bool serves_pages() const;

 private:
  struct Parts;
  explicit ServerStack(std::unique_ptr<Parts> parts);
  Status Listen(const api::HttpServerOptions& server_options);
  Status TakeLease(const ServeOptions& options, SiteLocation& location, const StartHooks& hooks);
  StatusOr<int64_t> WaitForLease(std::chrono::milliseconds pause, const StartHooks& hooks);
  Status Serve(const ServeOptions& options, const SiteLocation& location, const StartHooks& hooks);
  std::function<api::NodeLease()> LeaseView() const;

  std::unique_ptr<Parts> parts_;
};

}  // namespace entrepot::cli
