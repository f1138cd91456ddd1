#include "entrepot/store/labor_storage.h"

#include <algorithm>
#include <map>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::store {

Status LaborCorrupt(const std::string& what) {
  return Error(StatusCode::kDataLoss, "labor_corrupt", what);
}

Status LaborNotEmpty(const std::string& location) {
  return Error(StatusCode::kFailedPrecondition, "labor_not_empty",
               location + " already holds labor data; copy into an empty labor store");
}

StatusOr<privacy::Pseudonym> StoredPseudonym(std::span<const uint8_t> bytes) {
  privacy::Pseudonym pseudonym{};
  if (bytes.size() != pseudonym.size()) {
    return LaborCorrupt("a stored pseudonym has a wrong size");
  }
  std::copy(bytes.begin(), bytes.end(), pseudonym.begin());
  return pseudonym;
}

namespace {

// The body of CopyLaborRows' transaction.
StatusOr<LaborCopyReport> WriteRows(const LaborRows& rows, LaborStorage& to) {
  ENTREPOT_ASSIGN_OR_RETURN(bool empty, to.IsEmpty());
  if (!empty) {
    return LaborNotEmpty(to.location());
  }
  LaborCopyReport report;
  // Closed days first: closing a day also records its key as to destroy, which it is.
  for (const std::string& day : rows.closed_days) {
    ENTREPOT_RETURN_IF_ERROR(to.CloseDay(day, "day-" + day));
  }
  std::map<int64_t, int64_t> session_ids;  // Copied id -> new id.
  for (const LaborSessionRow& session : rows.sessions) {
    ENTREPOT_ASSIGN_OR_RETURN(session_ids[session.id], to.InsertSession(session));
    ++report.sessions;
  }
  for (LaborScanRow scan : rows.scans) {
    auto found = session_ids.find(scan.session_id);
    if (found == session_ids.end()) {
      return LaborCorrupt("a scan names no session");
    }
    scan.session_id = found->second;
    ENTREPOT_RETURN_IF_ERROR(to.InsertScan(scan));
    ++report.scans;
  }
  std::map<std::string, std::vector<LaborAssignment>> rota;
  for (const LaborRotaRow& row : rows.rota) {
    rota[row.day].push_back(row.line);
  }
  for (const auto& [day, lines] : rota) {
    ENTREPOT_RETURN_IF_ERROR(to.ReplaceRota(day, lines));
  }
  for (const LaborWeeklyRow& row : rows.weekly) {
    ENTREPOT_RETURN_IF_ERROR(to.AddWeekly(row));
    ++report.weekly_rows;
  }
  for (const LaborTeamWeekRow& row : rows.team_weeks) {
    ENTREPOT_RETURN_IF_ERROR(to.AddTeamWeek(row));
    ++report.weekly_rows;
  }
  for (const LaborTeamLeadRow& row : rows.team_leads) {
    ENTREPOT_RETURN_IF_ERROR(to.AddTeamLead(row));
  }
  for (const std::string& name : rows.keys_to_destroy) {
    ENTREPOT_RETURN_IF_ERROR(to.RecordKeyToDestroy(name));
  }
  // In order of scope, period, requester and seq: appended one by one, the cohorts keep
  // their order.
  for (const LaborHistoryRow& row : rows.history) {
    ENTREPOT_RETURN_IF_ERROR(
        to.AppendHistory(row.scope, row.period, row.requester,
                         std::span<const std::vector<uint8_t>>(&row.cohort, 1)));
  }
  return report;
}

}  // namespace

StatusOr<LaborCopyReport> CopyLaborRows(LaborStorage& from, LaborStorage& to) {
  ENTREPOT_ASSIGN_OR_RETURN(LaborRows rows, from.ReadAll());
  ENTREPOT_RETURN_IF_ERROR(to.Begin());
  StatusOr<LaborCopyReport> report = WriteRows(rows, to);
  if (!report.ok()) {
    to.Rollback();
    return report.status();
  }
  ENTREPOT_RETURN_IF_ERROR(to.Commit());
  return report;
}

}  // namespace entrepot::store
