// The privacy office, for the DPO: the active policy and its check against the rule base
// (rule ids as in docs/POLICY.md), the record of processing (GDPR Art. 30), the audit log of
// personal-data access with its chain verification (RET-03), and the retention runs.
import { ApiError, getJson } from "../api";
import { h, replace, table } from "../dom";
import { errorBox } from "../errors";
import { formatDateTime, formatNumber, strings } from "../i18n";
import type { Page, PageContext } from "../page";

const t = strings({
  en: {
    title: "Privacy office",
    policy: "Active policy and its check",
    lawful: "Lawful: no hard rule broken.",
    unlawful: "Unlawful: {count} hard rules broken.",
    warnings: "Warnings: {count}",
    rule: "Rule",
    summary: "Summary",
    verdict: "Verdict",
    findings: "Findings",
    pass: "pass",
    warning: "warning",
    fail: "fail",
    checkCaption: "Every rule of the rule base, checked against the active policy on {day}",
    record: "Record of processing",
    audit: "Audit log of personal-data access",
    verified: "Chain verified: {count} records intact.",
    broken: "Chain broken at record {seq}: {message}",
    unverified: "The chain could not be verified: {message}",
    at: "When",
    actor: "Who",
    role: "Role",
    action: "Action",
    data: "Data",
    subject: "About",
    purpose: "Purpose",
    outcome: "Result",
    older: "Older records",
    retention: "Retention runs",
    periods:
      "Periods: operational data {operational} years, labor events {labor} days, weekly aggregates {weekly} weeks, audit log {audit} months.",
    openDays: "Labor days still holding raw events: {days}",
    dpoOnly: "Only the data protection officer reads the audit log.",
    none: "none",
    what: "What",
    noRuns: "No retention run yet.",
  },
  fr: {
    title: "Bureau de la protection des données",
    policy: "Politique active et sa vérification",
    lawful: "Conforme : aucune règle impérative enfreinte.",
    unlawful: "Non conforme : {count} règles impératives enfreintes.",
    warnings: "Avertissements : {count}",
    rule: "Règle",
    summary: "Résumé",
    verdict: "Verdict",
    findings: "Constats",
    pass: "conforme",
    warning: "avertissement",
    fail: "non conforme",
    checkCaption: "Chaque règle de la base, vérifiée contre la politique active le {day}",
    record: "Registre des traitements",
    audit: "Journal des accès aux données personnelles",
    verified: "Chaîne vérifiée : {count} enregistrements intacts.",
    broken: "Chaîne rompue à l'enregistrement {seq} : {message}",
    unverified: "La chaîne n'a pas pu être vérifiée : {message}",
    at: "Quand",
    actor: "Qui",
    role: "Rôle",
    action: "Action",
    data: "Données",
    subject: "Concernant",
    purpose: "Finalité",
    outcome: "Résultat",
    older: "Enregistrements plus anciens",
    retention: "Purges et agrégations",
    periods:
      "Durées : données opérationnelles {operational} ans, événements de travail {labor} jours, agrégats hebdomadaires {weekly} semaines, journal d'audit {audit} mois.",
    openDays: "Jours dont les événements bruts sont encore gardés : {days}",
    dpoOnly: "Seul le délégué à la protection des données consulte le journal d'audit.",
    none: "aucun",
    what: "Quoi",
    noRuns: "Aucune purge pour l'instant.",
  },
});

interface RuleRow {
  id: string;
  summary: string;
  verdict: "pass" | "warning" | "fail";
  violations: { severity: string; key: string; message: string }[];
}
interface PolicyAnswer {
  policy: Record<string, unknown>;
  check: { today: string; lawful: boolean; hard: number; warnings: number; rules: RuleRow[] };
}
interface AuditRecord {
  seq: number;
  at: number;
  actor: string;
  actor_role: string | null;
  action: string;
  data_class: string;
  subject: string;
  purpose: string;
  outcome: string;
}
interface AuditAnswer {
  records: AuditRecord[];
  next_before: number | null;
  verification: {
    verified: boolean;
    records_checked: number;
    broken?: { seq: number; message: string } | null;
    error?: { message: string };
  };
}
interface RetentionAnswer {
  periods: {
    operational_years: number;
    labor_events_days: number;
    worker_weekly_weeks: number;
    audit_log_months: number;
  };
  labor_days_open: string[] | null;
  runs: { seq: number; at: number; action: string; data_class: string; what: string; outcome: string }[];
}

class PrivacyOffice {
  private readonly audit = h("section", { id: "audit" });

  constructor(private readonly context: PageContext) {}

  async start(): Promise<void> {
    const policy = h("section", { id: "policy" });
    const record = h("section", { id: "record" });
    const retention = h("section", { id: "retention" });
    replace(this.context.root, h("h1", {}, t("title")), policy, this.audit, retention, record);
    await Promise.all([
      this.load(policy, () => this.showPolicy(policy)),
      // Only the DPO reads the audit log (RET-03): for anyone else even the attempt is logged.
      this.context.session!.role === "dpo"
        ? this.load(this.audit, () => this.showAudit())
        : Promise.resolve(replace(this.audit, h("h2", {}, t("audit")), h("p", {}, t("dpoOnly")))),
      this.load(retention, () => this.showRetention(retention)),
      this.load(record, () => this.showRecord(record)),
    ]);
  }

  private async load(where: HTMLElement, show: () => Promise<void>): Promise<void> {
    try {
      await show();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.context.sessionEnded();
      else replace(where, errorBox(error));
    }
  }

  private get<T>(path: string): Promise<T> {
    return getJson<T>(path, { token: this.context.session!.token });
  }

  private async showPolicy(where: HTMLElement): Promise<void> {
    const { check } = await this.get<PolicyAnswer>("/api/v1/privacy/policy");
    const rows = check.rules.map((rule) => [
      h("strong", {}, rule.id),
      rule.summary,
      h("span", { class: rule.verdict === "pass" ? "badge ok" : "badge bad" }, t(rule.verdict)),
      rule.violations.length ? h("ul", {}, ...rule.violations.map((v) => h("li", {}, `${v.key}: ${v.message}`))) : "—",
    ]);
    replace(
      where,
      h("h2", {}, t("policy")),
      h(
        "p",
        { class: check.lawful ? "badge ok" : "badge bad" },
        check.lawful ? t("lawful") : t("unlawful", { count: check.hard }),
      ),
      h("p", {}, t("warnings", { count: check.warnings })),
      h(
        "div",
        { class: "table-wrap", tabindex: 0 },
        table(t("checkCaption", { day: check.today }), [t("rule"), t("summary"), t("verdict"), t("findings")], rows),
      ),
    );
  }

  private async showAudit(before?: number): Promise<void> {
    const page = await this.get<AuditAnswer>(`/api/v1/audit?limit=100${before ? `&before=${before}` : ""}`);
    const v = page.verification;
    const status = v.verified
      ? h("p", { class: "badge ok", id: "audit-verified" }, t("verified", { count: formatNumber(v.records_checked) }))
      : h(
          "p",
          { class: "error", role: "alert" },
          v.broken
            ? t("broken", { seq: v.broken.seq, message: v.broken.message })
            : t("unverified", { message: v.error?.message ?? "" }),
        );
    const rows = page.records.map((r) => [
      formatDateTime(r.at),
      r.actor,
      r.actor_role ?? "—",
      r.action,
      r.data_class,
      r.subject,
      r.purpose,
      r.outcome,
    ]);
    const older = page.next_before
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => void this.load(this.audit, () => this.showAudit(page.next_before!)),
          },
          t("older"),
        )
      : null;
    replace(
      this.audit,
      h("h2", {}, t("audit")),
      status,
      h(
        "div",
        { class: "table-wrap", tabindex: 0 },
        table(
          t("audit"),
          [t("at"), t("actor"), t("role"), t("action"), t("data"), t("subject"), t("purpose"), t("outcome")],
          rows,
        ),
      ),
      older,
    );
  }

  private async showRetention(where: HTMLElement): Promise<void> {
    const answer = await this.get<RetentionAnswer>("/api/v1/privacy/retention");
    const p = answer.periods;
    const rows = answer.runs.map((run) => [formatDateTime(run.at), run.action, run.data_class, run.what, run.outcome]);
    replace(
      where,
      h("h2", {}, t("retention")),
      h(
        "p",
        {},
        t("periods", {
          operational: p.operational_years,
          labor: p.labor_events_days,
          weekly: p.worker_weekly_weeks,
          audit: p.audit_log_months,
        }),
      ),
      answer.labor_days_open
        ? h("p", {}, t("openDays", { days: answer.labor_days_open.join(", ") || t("none") }))
        : null,
      rows.length
        ? table(t("retention"), [t("at"), t("action"), t("data"), t("what"), t("outcome")], rows)
        : h("p", {}, t("noRuns")),
    );
  }

  private async showRecord(where: HTMLElement): Promise<void> {
    const record = await this.get<unknown>("/api/v1/privacy/record");
    replace(where, h("h2", {}, t("record")), describe(record));
  }
}

// The record of processing is a nested document: shown as nested definition lists, keys as
// terms, so every field the server writes is on the page without a schema here.
function describe(value: unknown): Node {
  if (Array.isArray(value)) return h("ul", {}, ...value.map((item) => h("li", {}, describe(item))));
  if (value !== null && typeof value === "object") {
    const list = h("dl", {});
    for (const [key, item] of Object.entries(value))
      list.append(h("dt", {}, key.replace(/_/g, " ")), h("dd", {}, describe(item)));
    return list;
  }
  return document.createTextNode(value === null ? "—" : String(value));
}

export const privacyPage: Page = {
  path: "privacy",
  title: () => t("title"),
  roles: ["dpo", "admin"],
  render: async (context) => {
    await new PrivacyOffice(context).start();
  },
};
