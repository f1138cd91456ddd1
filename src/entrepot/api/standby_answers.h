// File: standby_answers.h
//
// What a node answers before it serves its site (docs/STORAGE.md, "Failover"): while it opens
// the site ("starting"), and while another node holds the site's lease ("standby"). GET
// /healthz says which, with 503 so that a load balancer sends nothing here; every other
// request gets 503 "node_starting" or "node_standby" naming the active node, so that a
// handheld retries or turns to it.
#pragma once

#include <cstdint>
#include <string>

#include "entrepot/api/api_handler.h"

namespace entrepot::api {

struct StandbyView {
  std::string site;
  bool standby = false;     // False: starting (opening the site, or taking it over).
  std::string active_node;  // Standby: the lease holder's name.
  int64_t lease_token = 0;  // Standby: the holder's token.
  int64_t lease_expires_in_ms = 0;
};

HttpResponse StandbyAnswer(const HttpRequest& request, const StandbyView& view);

}  // namespace entrepot::api
