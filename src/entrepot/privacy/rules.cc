#include "entrepot/privacy/rules.h"

#include <algorithm>

namespace entrepot::privacy {
namespace {

// Summaries and sources are condensed from ../shared/design/privacy-rules.md; keep them in
// step with it (and with docs/POLICY.md, which a test compares with this table).
constexpr Rule kRules[] = {
    {"IND-01",
     "No per-worker inter-scan speed indicator: the stow speed check flags the bin, for "
     "quality only",
     "CNIL SAN-2023-021 §§66-76 [V]; Conseil d'État n° 492830, 23 Dec 2025 (lawful when "
     "task-scoped and for error detection only) [S]"},
    {"IND-02",
     "Nominative idle time only with a minimum threshold, breaks excluded, delayed display, "
     "for process problems only, never counted per week or used for evaluation",
     "CNIL SAN-2023-021 §§77-88, 112-115, 120 [V]; Amazon's remediation (30 min, 2 h delay) "
     "§§86, 102-103, 122-123 [V]; Conseil d'État n° 492830 (10 consecutive minutes, breaks "
     "excluded) [S]"},
    {"IND-03", "No indicator of short latencies (1-10 min) at shift start or end or around breaks",
     "CNIL SAN-2023-021 §85 [V]; held lawful on the facts by Conseil d'État n° 492830 [S]"},
    {"IND-04",
     "Real-time individual data for the shift supervisor, for the current working day only",
     "CNIL SAN-2023-021 §§62-63, 93-97, 100 [V]"},
    {"IND-07",
     "No sub-weekly individual statistics and no raw history beyond the day for planning, "
     "evaluation, training or reassignment",
     "CNIL SAN-2023-021 §§99-101, 106-110, 116-121 [V]"},
    {"IND-08",
     "Weekly per-worker aggregates hold units, time per station and errors per cause, with no "
     "daily or hourly breakdown and no raw error list",
     "CNIL SAN-2023-021 §§99, 108, 119, 121 [V]"},
    {"IND-09", "Scanner inactivity is never used for working-time control",
     "CNIL SAN-2023-021 §§112-115 [V]"},
    {"IND-14", "No forced ranking or relative scores of workers",
     "Garante v. Deliveroo, 2021 [S]; Garante v. Foodinho, 2021 [S]; CA Versailles, 8 Sep "
     "2011 [S]"},
    {"RET-01",
     "No nominative store of raw events beyond the day: current day by default, 7 days at most",
     "CNIL SAN-2023-021 §§124-131 [V], upheld by Conseil d'État n° 492830 [S]; a 7-day window "
     "noted as positive §§102-103, 122-123 [V]; current day is our default [D]"},
    {"RET-02", "Weekly per-worker aggregates are kept for the evaluation cycle, 12 months at most",
     "GDPR Art. 5(1)(e); CNIL SAN-2023-021 §126 [V]; 13 weeks and the 12-month cap are our "
     "defaults [D]"},
    {"RET-03",
     "Audit logs are kept 6 to 12 months (36 with an internal-control case), are segregated "
     "and never reused for performance monitoring",
     "CNIL recommendation on logging, deliberation n° 2021-122, Oct 2021 [S]"},
    {"AGG-01", "Aggregates need at least k distinct workers: k = 10 by default, never below 5",
     "Microsoft Viva Insights minimum group size >= 5 [V]; manager insights at 10 [S]; "
     "k-anonymity practice (El Emam) [S]; k = 10 is our default [D]"},
    {"AGG-02", "Overlapping queries whose difference isolates fewer than k workers are refused",
     "Viva Insights (minimum group sizes, differential privacy) [S]; Viva Glint filter "
     "suppression [V]"},
    {"ACC-01",
     "Real-time individual data is visible only to the supervisor of the worker's current "
     "shift and zone",
     "CNIL SAN-2023-021 §§28, 127 [V]; Hamburg DPA v. H&M, 2020 [V]"},
    {"ACC-02",
     "Weekly individual aggregates are visible only to the worker, their line manager and HR",
     "CNIL SAN-2023-021 §§99, 119 [V]; GDPR Art. 5(1)(f) [R]"},
    {"GOV-01",
     "Monitoring-class indicators stay locked until a works-council consultation, a DPIA and "
     "the purpose list exist",
     "C. trav. L2312-38 [S]; CNIL DPIA list (\"constant monitoring of employees' activity\") "
     "[S]; GDPR Art. 35"},
    {"GOV-02", "Purpose binding: each data class and each read carries its allowed purposes",
     "GDPR Art. 5(1)(b) [R]; CNIL SAN-2023-021 §§32-36 [V]"},
    {"TRN-01",
     "Notice before collection, delivered on the device and acknowledged before the first scan "
     "session",
     "C. trav. L1222-4 [V]; GDPR Art. 12-13; CNIL SAN-2023-021 §§132-138 [V]"},
    {"TRN-02",
     "The notice names the DPO contact, purposes, legal basis, retention periods and the right "
     "to complain to the CNIL",
     "GDPR Art. 13(1)(b), 13(2)(a),(d); CNIL SAN-2023-021 §§139-146 [V]"},
    {"TRN-03", "Evaluation methods are disclosed to workers before use",
     "C. trav. L1222-2, L1222-3 [V]"},
    {"DSR-01",
     "Workers can see and export all their own data, including the audit entries about them",
     "GDPR Art. 12(3), 15 [R]; C. trav. D3171-14 [S]"},
};

}  // namespace

std::span<const Rule> PolicyRules() { return kRules; }

const Rule* FindRule(std::string_view id) {
  auto it = std::find_if(std::begin(kRules), std::end(kRules),
                         [id](const Rule& rule) { return rule.id == id; });
  return it == std::end(kRules) ? nullptr : &*it;
}

}  // namespace entrepot::privacy
