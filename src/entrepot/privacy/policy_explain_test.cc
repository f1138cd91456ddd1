#include "entrepot/privacy/policy_explain.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace entrepot::privacy {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Joins wrapped lines, so that a phrase split across lines can be found.
std::string Unwrapped(const std::string& text) {
  std::string flat;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t start = line.find_first_not_of(' ');
    flat += (flat.empty() ? "" : " ") + (start == std::string::npos ? "" : line.substr(start));
  }
  return flat;
}

Policy Parse(std::string_view toml) {
  StatusOr<Policy> policy = ParsePolicyToml(toml);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return policy.ok() ? *policy : DefaultPolicy();
}

TEST(PolicyExplainTest, DefaultPolicySaysWhatWhyWhoAndHowLong) {
  std::string text = Unwrapped(ExplainPolicy(DefaultPolicy()));
  // What is collected, section by section.
  for (std::string_view part :
       {"1. Stock movements", "It never records who held the handheld",
        "2. Your work today, linked to you", "today's quality errors",
        "a pseudonym that changes every day", "3. Your weekly totals",
        "per week: units handled per process, time per station and error counts per cause",
        "4. Figures by zone, process, team and shift (no names)", "at least 10 people",
        "5. Stow speed check", "less than 1250 ms apart", "The flag names the bin, not you",
        "Who looked at your data"}) {
    EXPECT_TRUE(Contains(text, part)) << part << "\n" << text;
  }
  // For what.
  EXPECT_TRUE(Contains(text,
                       "Why: Flow management (including reassignment), coaching and "
                       "fixing handling errors."))
      << text;
  EXPECT_TRUE(Contains(text, "Why: Planning and training.")) << text;
  // Who sees it.
  EXPECT_TRUE(Contains(text,
                       "Who sees it: You; the supervisor of your current shift and zone, "
                       "today only, for flow management"))
      << text;
  EXPECT_TRUE(Contains(text,
                       "the supervisor of your team, for planning and training; HR, whole "
                       "site, for planning and training."))
      << text;
  EXPECT_TRUE(Contains(text,
                       "the data protection officer, whole site, for data protection "
                       "oversight"))
      << text;
  // How long.
  EXPECT_TRUE(Contains(text, "How long: 10 years.")) << text;
  EXPECT_TRUE(Contains(text,
                       "How long: Until the end of the day (days end at midnight, UTC time). "
                       "Then the day's events are "
                       "rolled into weekly totals and the key that links them to you is "
                       "destroyed."))
      << text;
  EXPECT_TRUE(Contains(text, "How long: 13 weeks, then deleted.")) << text;
  EXPECT_TRUE(Contains(text, "How long: 6 months.")) << text;
  // What is not collected, rights, notice.
  EXPECT_TRUE(Contains(text, "Not recorded about you")) << text;
  EXPECT_TRUE(Contains(text, "The speed between your scans, idle time and waiting times")) << text;
  EXPECT_TRUE(Contains(text, "complain to the CNIL")) << text;
  EXPECT_TRUE(Contains(text, "Ask your employer for the contact of the data protection officer"));
  EXPECT_TRUE(Contains(text, "acknowledge this notice on your handheld")) << text;
  EXPECT_FALSE(Contains(text, "Governance")) << "no record to show";
}

TEST(PolicyExplainTest, EnabledMonitoringIndicatorsAreDescribed) {
  Policy policy = Parse(R"(
profile = "fr-conseil-etat-2025"
[indicators.idle_time]
enabled = true
threshold_minutes = 10
display_delay_minutes = 90
[indicators.latency]
enabled = true
from_minutes = 2
to_minutes = 9
[indicators.stow_speed_check]
attach_to = "worker"
threshold_ms = 1100
[retention]
labor_events_days = 3
[governance.works_council]
consulted_on = 2025-03-14
reference = "CSE item 4"
[governance.dpia]
reference = "DPIA-2025-007"
completed_on = 2025-02-20
[governance.evaluation_methods]
published_on = 2025-04-01
reference = "handbook ch. 6"
[notice]
controller = "Example Logistique SAS"
dpo_contact = "dpo@example.com"
)");
  std::string text = Unwrapped(ExplainPolicy(policy));
  for (std::string_view part :
       {"Conseil d'État", "Employer: Example Logistique SAS.", "Idle time",
        "periods of at least 10 minutes in a row without a scan, breaks excluded. Shown only "
        "after a delay of 90 minutes. Never counted per week.",
        "Why: Solving technical or process problems.", "Waiting times at shift start and end",
        "from 2 to 9 minutes", "less than 1100 ms apart", "The flag is also linked to you",
        "How long: 3 days (days end at midnight, UTC time). Then",
        "Data protection officer: dpo@example.com.",
        "Works council (CSE) consulted on 2025-03-14 (CSE item 4).",
        "Data protection impact assessment: DPIA-2025-007, completed on 2025-02-20.",
        "Evaluation methods published on 2025-04-01 (handbook ch. 6)."}) {
    EXPECT_TRUE(Contains(text, part)) << part << "\n" << text;
  }
  EXPECT_FALSE(Contains(text, "Not recorded about you")) << text;
  // The default supervisor grant serves none of idle time's purposes: only the worker reads it.
  EXPECT_TRUE(Contains(text,
                       "Why: Solving technical or process problems. Who sees it: You. How "
                       "long: 3 days (days end"))
      << text;
  policy.access[0].purposes.push_back(Purpose::kProcessImprovement);
  text = Unwrapped(ExplainPolicy(policy));
  EXPECT_TRUE(Contains(text,
                       "Why: Solving technical or process problems. Who sees it: You; the "
                       "supervisor of your current shift and zone, today only, for solving "
                       "technical or process problems. How long"))
      << text;
}

TEST(PolicyExplainTest, DisabledIndicatorsAreListedAsNotRecorded) {
  Policy policy = Parse(
      "[indicators.realtime_individual]\nenabled = false\n"
      "[indicators.worker_weekly]\nenabled = false\n"
      "[indicators.stow_speed_check]\nenabled = false\n");
  std::string text = Unwrapped(ExplainPolicy(policy));
  EXPECT_FALSE(Contains(text, "Your work today")) << text;
  EXPECT_FALSE(Contains(text, "Your weekly totals")) << text;
  EXPECT_FALSE(Contains(text, "Stow speed check")) << text;
  EXPECT_TRUE(Contains(text,
                       "Your day's work linked to you, weekly totals per worker, the speed "
                       "between your scans, idle time and waiting times"))
      << text;
  // Sections are numbered without gaps.
  EXPECT_TRUE(Contains(text, "2. Figures by zone")) << text;
}

TEST(PolicyExplainTest, AudienceComesFromTheGrants) {
  Policy policy = DefaultPolicy();
  policy.access.push_back({Role::kSiteManager,
                           DataClass::kAuditLog,
                           Scope::kSite,
                           Period::kCurrentShift,
                           {Purpose::kEvaluation}});
  std::string text = Unwrapped(ExplainPolicy(policy));
  // The notice tells what the policy says, lawful or not.
  EXPECT_TRUE(Contains(text,
                       "the site manager, whole site, during the current shift only, for "
                       "individual evaluation by the published methods"))
      << text;
  policy.access.clear();
  text = Unwrapped(ExplainPolicy(policy));
  EXPECT_TRUE(Contains(text, "Who sees it: Nobody.")) << text;
  EXPECT_TRUE(
      Contains(Unwrapped(ExplainPolicy(policy, Language::kFrench)), "Qui le voit : personne."));
}

TEST(PolicyExplainTest, FrenchNotice) {
  std::string text = Unwrapped(ExplainPolicy(DefaultPolicy(), Language::kFrench));
  for (std::string_view part :
       {"Entrepôt : ce qui est enregistré sur votre travail", "1. Mouvements de stock",
        "Combien de temps : 10 ans.", "Votre travail du jour, relié à vous",
        "Qui le voit : vous-même ; le chef d'équipe de votre poste et de votre zone actuels, le "
        "jour même uniquement, pour le pilotage du flux",
        "Pourquoi : le pilotage du flux (y compris les réaffectations), l'accompagnement "
        "(coaching) et la correction des erreurs de manutention.",
        "vos totaux par semaine : unités traitées", "(art. 18) ;",
        "Combien de temps : 13 semaines, puis supprimés.", "Combien de temps : 6 mois.",
        "au moins 10 personnes", "Vos droits", "réclamation à la CNIL"}) {
    EXPECT_TRUE(Contains(text, part)) << part << "\n" << text;
  }
  EXPECT_FALSE(Contains(text, "Who sees it")) << text;
}

TEST(PolicyExplainTest, TheNoticeSaysWhichMidnightEndsTheDay) {
  Policy policy = DefaultPolicy();
  policy.labor.time_zone = "Europe/Paris";
  EXPECT_TRUE(Contains(Unwrapped(ExplainPolicy(policy, Language::kFrench)),
                       "jusqu'à la fin de la journée (les journées se terminent à minuit, heure "
                       "de Europe/Paris)"));
  EXPECT_TRUE(Contains(Unwrapped(ExplainPolicy(policy, Language::kEnglish)),
                       "(days end at midnight, Europe/Paris time)"));
}

TEST(PolicyExplainTest, LinesAreShort) {
  Policy policy = DefaultPolicy();
  policy.notice.dpo_contact = std::string(400, 'x');  // One long word stands alone.
  for (Language language : kAllLanguages) {
    std::istringstream lines(ExplainPolicy(policy, language));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("xxxx") == std::string::npos) {
        EXPECT_LE(line.size(), 100u) << line;  // Bytes: accents count twice.
      }
    }
  }
}

}  // namespace
}  // namespace entrepot::privacy
