// File: server_stack.h
//
// A running `entrepot serve`, as an object: the site's engine on its sequencer thread, what
// follows its commits (event feed, movement index, labor recorder, EPCIS repository), the
// labor retention job and the HTTP server. `entrepot serve` starts one and waits for a
// signal; `entrepot demo` starts one and drives a simulated shift against it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/cli/commands.h"
#include "entrepot/core/site_state.h"

namespace entrepot::cli {

class ServerStack {
 public:
  // Opens the site of `options` and starts serving it. `inspect`, when given, reads the
  // site's state once the journal is replayed and before the sequencer takes the engine.
  // Errors: the options' (bad_listen_address; the policy file's read errors, bad_toml,
  // bad_policy, policy_unlawful; bad_gln, bad_company_prefix_length; the web pages' errors
  // of api::WebAssets::Load), for which
  // *refused_options (when given) is set true: the person must fix the command; then the
  // site's, the account store's and the audit log's open errors and the bind error.
  static StatusOr<std::unique_ptr<ServerStack>> Start(
      const ServeOptions& options, const std::function<void(const core::SiteState&)>& inspect = {},
      bool* refused_options = nullptr);

  // Stops if Stop() was not called.
  ~ServerStack();
  ServerStack(const ServerStack&) = delete;
  ServerStack& operator=(const ServerStack&) = delete;

  // "127.0.0.1:8080", and the port alone (the bound one when the options asked for 0).
  std::string address() const;
  uint16_t port() const;

  // Stops accepting (ending event streams), commits and answers what is queued, stops the
  // followers and jobs (the labor recorder writes what it holds) and writes a snapshot.
  // Returns the sequencer's stop status. Idempotent.
  Status Stop();

  // The journal's last sequence number (after Stop(): the last committed).
  uint64_t last_seq() const;

  // True when the web pages are served at "/" (ServeOptions::web_dir).
  bool serves_pages() const;

 private:
  struct Parts;
  explicit ServerStack(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace entrepot::cli
