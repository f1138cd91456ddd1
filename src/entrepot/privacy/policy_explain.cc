// ExplainPolicy(): every sentence is written in both languages side by side (Say), so the
// two notices cannot drift apart.
#include "entrepot/privacy/policy_explain.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace entrepot::privacy {
namespace {

constexpr size_t kLineWidth = 96;

// Appends `text` word-wrapped to kLineWidth bytes: the first line starts with `prefix`,
// the next ones with `indent` spaces.
void AppendWrapped(std::string& out, std::string_view prefix, size_t indent,
                   std::string_view text) {
  std::string line(prefix);
  bool line_has_word = false;
  while (!text.empty()) {
    size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (word.empty()) {
      continue;
    }
    // French puts a space before ";" and ":"; the mark must not start a line.
    const bool lone_mark = word == ";" || word == ":" || word == "!" || word == "?";
    if (line_has_word && !lone_mark && line.size() + 1 + word.size() > kLineWidth) {
      out += line + "\n";
      line = std::string(indent, ' ');
      line_has_word = false;
    }
    line += line_has_word ? " " : (line.empty() || line.back() == ' ' ? "" : " ");
    line += word;
    line_has_word = true;
  }
  out += line + "\n";
}

// "Planning and training" from "planning and training" (ASCII first letters only).
std::string Capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') {
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
  }
  return text;
}

class Explainer {
 public:
  Explainer(const Policy& policy, Language language) : policy_(policy), language_(language) {}

  std::string Run() && {
    Header();
    Operational();
    RealtimeIndividual();
    WorkerWeekly();
    TeamAggregates();
    StowSpeedCheck();
    IdleTime();
    Latency();
    NotCollected();
    AuditLog();
    Rights();
    GovernanceRecords();
    return std::move(out_);
  }

 private:
  std::string Say(std::string_view english, std::string_view french) const {
    return std::string(language_ == Language::kFrench ? french : english);
  }

  // Sections are numbered in the order they appear, since absent indicators are skipped.
  void Title(const std::string& title) {
    out_ += "\n" + std::to_string(++sections_) + ". " + title + "\n";
  }
  void Paragraph(const std::string& text) { AppendWrapped(out_, "", 0, text); }
  // A paragraph under a section title, indented like its fields.
  void Indented(const std::string& text) { AppendWrapped(out_, "  ", 2, text); }
  // "  What: ..." with continuation lines under the value.
  void Field(const std::string& name, const std::string& value) {
    std::string prefix = "  " + name + " ";
    AppendWrapped(out_, prefix, 4, value);
  }
  void What(const std::string& text) { Field(Say("What:", "Quoi :"), text); }
  void Why(const std::vector<Purpose>& purposes) {
    Field(Say("Why:", "Pourquoi :"), Sentence(PurposeList(purposes)));
  }
  // Readers of `data`; with `served`, only the grants for one of those purposes (the
  // indicators kept in labor_events share its grants, each for its own purposes).
  void Who(DataClass data, const std::vector<Purpose>* served = nullptr) {
    Field(Say("Who sees it:", "Qui le voit :"), Audience(data, served));
  }
  void HowLong(const std::string& text) { Field(Say("How long:", "Combien de temps :"), text); }

  // The start of a field's value: a capital in English, lower case after a French colon.
  std::string Lead(std::string text) const {
    return language_ == Language::kEnglish ? Capitalized(std::move(text)) : text;
  }

  static std::string Sentence(std::string text) {
    if (!text.empty()) {
      text += ".";
    }
    return text;
  }

  // "a, b and c" with last = " and ".
  static std::string Join(const std::vector<std::string>& parts, std::string_view last) {
    std::string text;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) {
        text += i + 1 == parts.size() ? std::string(last) : ", ";
      }
      text += parts[i];
    }
    return text;
  }
  std::string JoinAnd(const std::vector<std::string>& parts) const {
    return Join(parts, Say(" and ", " et "));
  }

  std::string PurposeLabel(Purpose purpose) const {
    switch (purpose) {
      case Purpose::kFlowManagement:
        return Say("flow management (including reassignment)",
                   "le pilotage du flux (y compris les réaffectations)");
      case Purpose::kCoaching:
        return Say("coaching", "l'accompagnement (coaching)");
      case Purpose::kQuality:
        return Say("fixing handling errors", "la correction des erreurs de manutention");
      case Purpose::kSafety:
        return Say("safety", "la sécurité");
      case Purpose::kProcessImprovement:
        return Say("solving technical or process problems",
                   "la résolution de problèmes techniques ou d'organisation");
      case Purpose::kPlanning:
        return Say("planning", "la planification");
      case Purpose::kEvaluation:
        return Say("individual evaluation by the published methods",
                   "l'évaluation individuelle selon les méthodes publiées");
      case Purpose::kTraining:
        return Say("training", "la formation");
      case Purpose::kWorkingTime:
        return Say("working-time control", "le contrôle du temps de travail");
      case Purpose::kDiscipline:
        return Say("discipline", "des mesures disciplinaires");
      case Purpose::kDataProtection:
        return Say("data protection oversight", "le contrôle de la protection des données");
      case Purpose::kOwnData:
        return Say("your access to your own data", "votre accès à vos propres données");
    }
    return std::string(PurposeName(purpose));
  }

  std::string PurposeList(const std::vector<Purpose>& purposes) const {
    std::vector<std::string> labels;
    for (Purpose purpose : purposes) {
      labels.push_back(PurposeLabel(purpose));
    }
    return Lead(JoinAnd(labels));
  }

  std::string RoleLabel(Role role) const {
    switch (role) {
      case Role::kAdmin:
        return Say("the administrators", "les administrateurs");
      case Role::kSiteManager:
        return Say("the site manager", "le responsable de site");
      case Role::kSupervisor:
        return Say("the supervisor", "le chef d'équipe");
      case Role::kHr:
        return Say("HR", "les RH");
      case Role::kDpo:
        return Say("the data protection officer", "le délégué à la protection des données");
      case Role::kWorker:
        return Say("other workers", "les autres salariés");
    }
    return std::string(RoleName(role));
  }

  std::string ScopeLabel(Scope scope) const {
    switch (scope) {
      case Scope::kSelf:
        return "";
      case Scope::kOwnShiftAndZone:
        return Say(" of your current shift and zone", " de votre poste et de votre zone actuels");
      case Scope::kOwnTeam:
        return Say(" of your team", " de votre équipe");
      case Scope::kSite:
        return Say(", whole site", ", tout le site");
    }
    return "";
  }

  std::string PeriodLabel(Period period) const {
    switch (period) {
      case Period::kCurrentShift:
        return Say(", during the current shift only", ", pendant le poste en cours uniquement");
      case Period::kToday:
        return Say(", today only", ", le jour même uniquement");
      case Period::kAllRetained:
        return "";
    }
    return "";
  }

  // One reader per grant on `data`: "the supervisor of your current shift and zone, today
  // only, for coaching"; the worker's own access first.
  std::string Audience(DataClass data, const std::vector<Purpose>* served) const {
    std::vector<std::string> readers;
    for (const AccessGrant& grant : policy_.access) {
      if (grant.data == data && grant.scope == Scope::kSelf && grant.role == Role::kWorker) {
        readers.push_back(Say("you", "vous-même"));
      }
    }
    for (const AccessGrant& grant : policy_.access) {
      if (grant.data != data || grant.scope == Scope::kSelf) {
        continue;
      }
      std::vector<Purpose> purposes;
      for (Purpose purpose : grant.purposes) {
        if (served == nullptr ||
            std::find(served->begin(), served->end(), purpose) != served->end()) {
          purposes.push_back(purpose);
        }
      }
      if (purposes.empty()) {
        continue;
      }
      readers.push_back(RoleLabel(grant.role) + ScopeLabel(grant.scope) +
                        PeriodLabel(grant.period) + Say(", for ", ", pour ") +
                        JoinAnd(PurposeLabels(purposes)));
    }
    if (readers.empty()) {
      return Lead(Say("nobody.", "personne."));
    }
    std::string text;
    for (const std::string& reader : readers) {
      text += (text.empty() ? "" : Say("; ", " ; ")) + reader;
    }
    return Lead(text) + ".";
  }

  std::vector<std::string> PurposeLabels(const std::vector<Purpose>& purposes) const {
    std::vector<std::string> labels;
    for (Purpose purpose : purposes) {
      labels.push_back(PurposeLabel(purpose));
    }
    return labels;
  }

  std::string Count(int64_t n, std::string_view one_en, std::string_view many_en,
                    std::string_view one_fr, std::string_view many_fr) const {
    return std::to_string(n) + " " + Say(n == 1 ? one_en : many_en, n == 1 ? one_fr : many_fr);
  }
  std::string Minutes(int64_t n) const {
    return Count(n, "minute", "minutes", "minute", "minutes");
  }

  std::string LaborRetention() const {
    const int64_t days = policy_.retention.labor_events_days;
    // The day ends at midnight in the site's zone (RET-01): the worker knows which midnight.
    std::string until =
        (days == 1 ? Say("Until the end of the day", "jusqu'à la fin de la journée")
                   : Count(days, "day", "days", "jour", "jours")) +
        Say(" (days end at midnight, " + policy_.labor.time_zone + " time)",
            " (les journées se terminent à minuit, heure de " + policy_.labor.time_zone + ")");
    return until + Say(". Then the day's events are rolled into weekly totals and the key that "
                       "links them to you is destroyed.",
                       ". Ensuite, les événements de la journée sont regroupés en totaux "
                       "hebdomadaires et la clé qui les relie à vous est détruite.");
  }

  void Header() {
    out_ += Say("Entrepôt: what is recorded about your work\n",
                "Entrepôt : ce qui est enregistré sur votre travail\n");
    if (!policy_.notice.controller.empty()) {
      Paragraph(Say("Employer: ", "Employeur : ") + policy_.notice.controller + ".");
    }
    Paragraph(policy_.profile == Profile::kCnilStrict
                  ? Say("Rules applied: \"cnil-strict\", the doctrine of the CNIL, the French "
                        "data protection authority.",
                        "Règles appliquées : « cnil-strict », la doctrine de la CNIL.")
                  : Say("Rules applied: \"fr-conseil-etat-2025\", the reading of the Conseil "
                        "d'État (decision of 23 December 2025), with its safeguards.",
                        "Règles appliquées : « fr-conseil-etat-2025 », la lecture du Conseil "
                        "d'État (décision du 23 décembre 2025), avec ses garanties."));
    Paragraph(Say("Legal basis: the employer's legitimate interest (GDPR Art. 6(1)(f)).",
                  "Base légale : l'intérêt légitime de l'employeur (RGPD art. 6.1.f)."));
  }

  void Operational() {
    Title(Say("Stock movements", "Mouvements de stock"));
    What(
        Say("every scan records what moved where and which handheld scanned it. It never "
            "records who held the handheld.",
            "chaque scan enregistre ce qui a bougé, où, et avec quel terminal. Il n'enregistre "
            "jamais qui tenait le terminal."));
    Field(Say("Why:", "Pourquoi :"),
          Say("Inventory and order traceability.", "la traçabilité des stocks et des commandes."));
    HowLong(Count(policy_.retention.operational_years, "year", "years", "an", "ans") + ".");
  }

  void RealtimeIndividual() {
    const privacy::RealtimeIndividual& realtime = policy_.indicators.realtime_individual;
    if (!realtime.enabled) {
      return;
    }
    Title(Say("Your work today, linked to you", "Votre travail du jour, relié à vous"));
    std::string what = Say("your current task, the units you handled today",
                           "votre tâche en cours, les unités traitées aujourd'hui");
    if (realtime.link_quality_errors) {
      what += Say(" and today's quality errors (so that they can be fixed)",
                  " et les erreurs de qualité du jour (pour les corriger)");
    }
    what += Say(", linked to you under a pseudonym that changes every day.",
                ", reliés à vous par un pseudonyme qui change chaque jour.");
    What(what);
    Why(realtime.purposes);
    Who(DataClass::kLaborEvents, &realtime.purposes);
    HowLong(LaborRetention());
  }

  std::string ContentLabel(WeeklyContent content) const {
    switch (content) {
      case WeeklyContent::kUnitsPerProcess:
        return Say("units handled per process", "unités traitées par processus");
      case WeeklyContent::kUnitsPerItemType:
        return Say("units per item type", "unités par type d'article");
      case WeeklyContent::kTimePerStation:
        return Say("time per station", "temps par poste de travail");
      case WeeklyContent::kErrorsPerCause:
        return Say("error counts per cause", "nombre d'erreurs par cause");
      case WeeklyContent::kDailyBreakdown:
        return Say("a breakdown per day", "un détail par jour");
      case WeeklyContent::kHourlyBreakdown:
        return Say("a breakdown per hour", "un détail par heure");
      case WeeklyContent::kRawErrors:
        return Say("the list of individual errors", "la liste des erreurs une à une");
      case WeeklyContent::kIdleTime:
        return Say("idle time", "les temps d'inactivité");
      case WeeklyContent::kRanking:
        return Say("a ranking of workers", "un classement des salariés");
    }
    return std::string(WeeklyContentName(content));
  }

  std::string BucketLabel(Bucket bucket) const {
    switch (bucket) {
      case Bucket::kHour:
        return Say("per hour", "par heure");
      case Bucket::kHalfDay:
        return Say("per half day", "par demi-journée");
      case Bucket::kDay:
        return Say("per day", "par jour");
      case Bucket::kWeek:
        return Say("per week", "par semaine");
      case Bucket::kMonth:
        return Say("per month", "par mois");
    }
    return "";
  }

  void WorkerWeekly() {
    const privacy::WorkerWeekly& weekly = policy_.indicators.worker_weekly;
    if (!weekly.enabled) {
      return;
    }
    Title(Say("Your weekly totals", "Vos totaux hebdomadaires"));
    std::vector<std::string> contents;
    for (WeeklyContent content : weekly.contents) {
      contents.push_back(ContentLabel(content));
    }
    What(Say("your totals ", "vos totaux ") + BucketLabel(weekly.bucket) + Say(": ", " : ") +
         JoinAnd(contents) + ".");
    Why(weekly.purposes);
    Who(DataClass::kWorkerWeekly);
    HowLong(Count(policy_.retention.worker_weekly_weeks, "week", "weeks", "semaine", "semaines") +
            Say(", then deleted.", ", puis supprimés."));
  }

  void TeamAggregates() {
    Title(Say("Figures by zone, process, team and shift (no names)",
              "Chiffres par zone, processus, équipe et poste (sans noms)"));
    std::string what =
        Say("totals that name no one, shown only when they count at least ",
            "des totaux qui ne nomment personne, affichés seulement s'ils "
            "comptent au moins ") +
        Count(policy_.aggregates.min_group_size, "person", "people", "personne", "personnes") + ".";
    if (policy_.aggregates.differencing_protection) {
      what +=
          Say(" Queries that could single out fewer people by comparing figures are "
              "refused.",
              " Les requêtes qui, en comparant des chiffres, isoleraient moins de personnes "
              "sont refusées.");
    }
    What(what);
    Who(DataClass::kTeamAggregates);
    HowLong(Say("As long as needed for planning, since they cannot identify anyone.",
                "aussi longtemps que nécessaire à la planification, puisqu'ils ne permettent "
                "d'identifier personne."));
  }

  void StowSpeedCheck() {
    const privacy::StowSpeedCheck& stow = policy_.indicators.stow_speed_check;
    if (!stow.enabled) {
      return;
    }
    Title(Say("Stow speed check", "Contrôle de vitesse de rangement"));
    std::string what =
        Say("when two stows from the same handheld are less than ",
            "quand deux rangements faits avec le même terminal ont lieu à moins de ") +
        std::to_string(stow.threshold_ms) +
        Say(" ms apart, the bin is flagged to be checked again.",
            " ms d'écart, l'emplacement est signalé pour être vérifié à nouveau.");
    what +=
        stow.attach_to == Attachment::kLocation
            ? Say(" The flag names the bin, not you.",
                  " Le signalement désigne l'emplacement, pas vous.")
            : Say(" The flag is also linked to you.", " Le signalement est aussi relié à vous.");
    What(what);
    Why(stow.purposes);
    if (stow.attach_to == Attachment::kWorker) {
      Who(DataClass::kLaborEvents, &stow.purposes);
      HowLong(LaborRetention());
    }
  }

  std::string Delay(int64_t minutes) const {
    if (minutes == 0) {
      return Say(" Shown in real time.", " Affiché en temps réel.");
    }
    return Say(" Shown only after a delay of ", " Affiché seulement après un délai de ") +
           Minutes(minutes) + ".";
  }

  std::string WeeklyTotals(bool weekly_totals) const {
    return weekly_totals ? Say(" Counted per week.", " Cumulé par semaine.")
                         : Say(" Never counted per week.", " Jamais cumulé par semaine.");
  }

  void IdleTime() {
    const privacy::IdleTime& idle = policy_.indicators.idle_time;
    if (!idle.enabled) {
      return;
    }
    Title(Say("Idle time", "Temps d'inactivité"));
    What(Say("periods of at least ", "les périodes d'au moins ") + Minutes(idle.threshold_minutes) +
         Say(" in a row without a scan", " consécutives sans scan") +
         (idle.breaks_excluded ? Say(", breaks excluded.", ", pauses exclues.")
                               : Say(", breaks included.", ", pauses comprises.")) +
         Delay(idle.display_delay_minutes) + WeeklyTotals(idle.weekly_totals));
    Why(idle.purposes);
    Who(DataClass::kLaborEvents, &idle.purposes);
    HowLong(LaborRetention());
  }

  void Latency() {
    const privacy::Latency& latency = policy_.indicators.latency;
    if (!latency.enabled) {
      return;
    }
    Title(Say("Waiting times at shift start and end", "Temps d'attente en début et fin de poste"));
    What(Say("the time without a scan, from ", "le temps sans scan, de ") +
         std::to_string(latency.from_minutes) + Say(" to ", " à ") + Minutes(latency.to_minutes) +
         Say(", at the start and end of your shift and around breaks.",
             ", en début et en fin de poste et autour des pauses.") +
         Delay(latency.display_delay_minutes) + WeeklyTotals(latency.weekly_totals));
    Why(latency.purposes);
    Who(DataClass::kLaborEvents, &latency.purposes);
    HowLong(LaborRetention());
  }

  void NotCollected() {
    const Indicators& indicators = policy_.indicators;
    std::vector<std::string> absent;
    if (!indicators.realtime_individual.enabled) {
      absent.push_back(Say("your day's work linked to you", "votre travail du jour relié à vous"));
    }
    if (!indicators.worker_weekly.enabled) {
      absent.push_back(Say("weekly totals per worker", "des totaux hebdomadaires par salarié"));
    }
    if (!indicators.stow_speed_check.enabled ||
        indicators.stow_speed_check.attach_to == Attachment::kLocation) {
      absent.push_back(Say("the speed between your scans", "la vitesse entre vos scans"));
    }
    if (!indicators.idle_time.enabled) {
      absent.push_back(Say("idle time", "les temps d'inactivité"));
    }
    if (!indicators.latency.enabled) {
      absent.push_back(Say("waiting times at shift start and end or around breaks",
                           "les temps d'attente en début ou fin de poste ou autour des pauses"));
    }
    if (absent.empty()) {
      return;
    }
    Title(Say("Not recorded about you", "Non enregistré sur vous"));
    Indented(Sentence(Capitalized(JoinAnd(absent))));
  }

  void AuditLog() {
    Title(Say("Who looked at your data", "Qui a consulté vos données"));
    What(Say("every read of data about you is logged: who, when and for what purpose.",
             "chaque consultation de données vous concernant est journalisée : qui, quand et "
             "pour quelle finalité."));
    Who(DataClass::kAuditLog);
    HowLong(Count(policy_.retention.audit_log_months, "month", "months", "mois", "mois") + ".");
  }

  void Rights() {
    Title(Say("Your rights", "Vos droits"));
    Indented(
        Say("You can see all data held about you and who consulted it, and export it "
            "(GDPR Art. 15); ask for corrections (Art. 16) or a restriction (Art. 18); "
            "and object to this processing (Art. 21). You can complain to the CNIL "
            "(www.cnil.fr).",
            "Vous pouvez consulter toutes les données vous concernant et savoir qui les a "
            "consultées, et les exporter (RGPD art. 15) ; demander leur rectification "
            "(art. 16) ou leur limitation (art. 18) ; et vous opposer à ce traitement "
            "(art. 21). Vous pouvez adresser une réclamation à la CNIL (www.cnil.fr)."));
    Indented(policy_.notice.dpo_contact.empty()
                 ? Say("Ask your employer for the contact of the data protection officer.",
                       "Demandez à votre employeur les coordonnées du délégué à la protection "
                       "des données.")
                 : Say("Data protection officer: ", "Délégué à la protection des données : ") +
                       policy_.notice.dpo_contact + ".");
    if (policy_.notice.require_acknowledgement) {
      Indented(
          Say("You read and acknowledge this notice on your handheld before your first "
              "scan session.",
              "Vous lisez et validez cette notice sur votre terminal avant votre première "
              "session de scan."));
    }
  }

  void GovernanceRecords() {
    const Governance& governance = policy_.governance;
    std::vector<std::string> lines;
    if (governance.works_council.date.has_value()) {
      lines.push_back(Say("Works council (CSE) consulted on ",
                          "Comité social et économique (CSE) consulté le ") +
                      FormatDate(*governance.works_council.date) +
                      Reference(governance.works_council.reference) + ".");
    }
    if (!governance.dpia.reference.empty()) {
      lines.push_back(Say("Data protection impact assessment: ",
                          "Analyse d'impact relative à la protection des données : ") +
                      governance.dpia.reference +
                      (governance.dpia.date.has_value() ? Say(", completed on ", ", terminée le ") +
                                                              FormatDate(*governance.dpia.date)
                                                        : "") +
                      ".");
    }
    if (governance.evaluation_methods.date.has_value() ||
        !governance.evaluation_methods.reference.empty()) {
      lines.push_back(Say("Evaluation methods published", "Méthodes d'évaluation publiées") +
                      (governance.evaluation_methods.date.has_value()
                           ? Say(" on ", " le ") + FormatDate(*governance.evaluation_methods.date)
                           : "") +
                      Reference(governance.evaluation_methods.reference) + ".");
    }
    if (lines.empty()) {
      return;
    }
    Title(Say("Governance", "Gouvernance"));
    for (const std::string& line : lines) {
      AppendWrapped(out_, "  ", 4, line);
    }
  }

  std::string Reference(const std::string& reference) const {
    return reference.empty() ? "" : " (" + reference + ")";
  }

  const Policy& policy_;
  const Language language_;
  int sections_ = 0;
  std::string out_;
};

}  // namespace

std::string ExplainPolicy(const Policy& policy, Language language) {
  return Explainer(policy, language).Run();
}

}  // namespace entrepot::privacy
