// File: audit_trail.h
//
// Which requests read or change personal data, and the audit record each one leaves
// (rules RET-03, ACC-04; docs/AUDIT.md). Personal data is reached through the account routes
// (the list of users, a user's creation or change, a user's own /me), the labor routes, and
// the audit log itself (GET /api/v1/audit, the DPO's read of everyone's accesses).
// Operational routes (scans, stock, events, history, flow) carry no worker identity
// (RET-01) and are not personal-data reads. Badge sign-in is deliberately not recorded here:
// a record joining a device to a person for months is what RET-01 forbids; that link lives
// only in the labor stream, under the day pseudonym. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/router.h"
#include "entrepot/auth/access.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/store/audit_log.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {

// The record for `method` on `route` by `principal` (null: the request carried no valid
// token), with its outcome still "allowed"; nullopt when the request reaches no personal
// data. `parameter` is the route's decoded path parameter, `body` the request body (the
// login of a user being created).
std::optional<privacy::AuditRecord> PersonalDataAccess(Route route, const HttpRequest& request,
                                                       const std::string& parameter,
                                                       const auth::Principal* principal,
                                                       int64_t now_ms);

// The policy purpose named `name` (privacy::PurposeName), or nullopt.
std::optional<privacy::Purpose> PurposeNamed(std::string_view name);

// Sets the record's outcome from the response: allowed below 400, else refused with the
// error body's code as the reason.
void RecordOutcome(const HttpResponse& response, privacy::AuditRecord& record);

// A stored record as GET /api/v1/audit and `entrepot audit list` show it: its fields by name
// and its chain hash in hex.
nlohmann::json AuditRecordJson(const store::StoredAuditRecord& row);

}  // namespace entrepot::api
