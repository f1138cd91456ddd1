// "My data" (DSR-01, GDPR Art. 15): what the labor stream holds about the signed-in person,
// how long it is kept, who consulted it, and the same as a JSON file to download. Every
// role opens it: reading one's own data is a right, not a permission.
import { ApiError, getJson, send } from "../api";
import { h, replace } from "../dom";
import { errorBox } from "../errors";
import { formatDateTime, formatNumber, formatTime, strings } from "../i18n";
import { kAllRoles, type Page, type PageContext } from "../page";

const t = strings({
  en: {
    title: "My data",
    intro:
      "What Entrepôt holds about you ({login}), as of {time}. Scans are linked to you only for the day; after that only weekly totals are kept.",
    loading: "Loading…",
    export: "Export my data (JSON)",
    exporting: "Preparing the file…",
    exported: "Downloaded {file}.",
    today: "Today ({day})",
    unitsToday: "Units of accepted scans today: {units}",
    currentTask: "Current task: {process} in zone {zone}",
    currentTaskNoZone: "Current task: {process}",
    noTask: "No task in progress.",
    errorsCaption: "Errors today per cause",
    cause: "Cause",
    count: "Count",
    noErrors: "No errors today.",
    sessionsCaption: "Your sessions on a handheld today",
    start: "Start",
    end: "End",
    open: "still signed in",
    noSessions: "No session today.",
    scansCaption: "Your scans today ({count})",
    time: "Time",
    process: "Process",
    zone: "Zone",
    outcome: "Outcome",
    units: "Units",
    noScans: "No scan today.",
    truncated: "Only the first 20,000 scans of the day are listed; the export has the same list.",
    showAll: "Show all {count} scans",
    shownFirst: "The {shown} most recent of {count} scans are shown.",
    weeks: "Weekly totals",
    weeksCaption: "Weekly totals still kept, newest first",
    week: "Week",
    weekStart: "Starts",
    unitsPerProcess: "Units per process",
    errorsPerCause: "Errors per cause",
    timePerZone: "Time per zone",
    noWeeks: "No weekly totals are kept about you.",
    none: "none",
    retention: "How long it is kept",
    retentionEvents: "Scans linked to you: {days} days, then only weekly totals remain.",
    retentionEventsOne: "Scans linked to you: until the end of the day, then only weekly totals remain.",
    retentionWeeks: "Weekly totals: {weeks} weeks, then they are deleted.",
    retentionWeeksOne: "Weekly totals: 1 week, then they are deleted.",
    accesses: "Who looked at my data",
    accessesCaption: "Reads and changes of your data, newest first",
    when: "When",
    who: "Who",
    role: "Role",
    action: "Action",
    purpose: "Purpose",
    dataClass: "Data",
    result: "Result",
    noAccesses: "Nobody has read or changed your data yet.",
    noAuditLog: "This server keeps no access log.",
    system: "system",
    minutes: "{n} min",
  },
  fr: {
    title: "Mes données",
    intro:
      "Ce qu'Entrepôt détient sur vous ({login}), au {time}. Les scans ne vous sont liés que pour la journée ; ensuite seuls des totaux hebdomadaires sont gardés.",
    loading: "Chargement…",
    export: "Exporter mes données (JSON)",
    exporting: "Préparation du fichier…",
    exported: "{file} téléchargé.",
    today: "Aujourd'hui ({day})",
    unitsToday: "Unités des scans acceptés aujourd'hui : {units}",
    currentTask: "Tâche en cours : {process} dans la zone {zone}",
    currentTaskNoZone: "Tâche en cours : {process}",
    noTask: "Aucune tâche en cours.",
    errorsCaption: "Erreurs du jour par cause",
    cause: "Cause",
    count: "Nombre",
    noErrors: "Aucune erreur aujourd'hui.",
    sessionsCaption: "Vos sessions sur un terminal aujourd'hui",
    start: "Début",
    end: "Fin",
    open: "toujours connecté",
    noSessions: "Aucune session aujourd'hui.",
    scansCaption: "Vos scans du jour ({count})",
    time: "Heure",
    process: "Processus",
    zone: "Zone",
    outcome: "Résultat",
    units: "Unités",
    noScans: "Aucun scan aujourd'hui.",
    truncated: "Seuls les 20 000 premiers scans de la journée sont listés ; l'export contient la même liste.",
    showAll: "Afficher les {count} scans",
    shownFirst: "Les {shown} scans les plus récents sur {count} sont affichés.",
    weeks: "Totaux hebdomadaires",
    weeksCaption: "Totaux hebdomadaires encore conservés, du plus récent au plus ancien",
    week: "Semaine",
    weekStart: "Début",
    unitsPerProcess: "Unités par processus",
    errorsPerCause: "Erreurs par cause",
    timePerZone: "Temps par zone",
    noWeeks: "Aucun total hebdomadaire n'est conservé sur vous.",
    none: "aucun",
    retention: "Durées de conservation",
    retentionEvents: "Scans liés à vous : {days} jours, ensuite seuls les totaux hebdomadaires restent.",
    retentionEventsOne:
      "Scans liés à vous : jusqu'à la fin de la journée, ensuite seuls les totaux hebdomadaires restent.",
    retentionWeeks: "Totaux hebdomadaires : {weeks} semaines, puis ils sont effacés.",
    retentionWeeksOne: "Totaux hebdomadaires : 1 semaine, puis ils sont effacés.",
    accesses: "Qui a consulté mes données",
    accessesCaption: "Consultations et modifications de vos données, de la plus récente à la plus ancienne",
    when: "Quand",
    who: "Qui",
    role: "Rôle",
    action: "Action",
    purpose: "Finalité",
    dataClass: "Données",
    result: "Issue",
    noAccesses: "Personne n'a encore consulté ni modifié vos données.",
    noAuditLog: "Ce serveur ne tient pas de journal des accès.",
    system: "système",
    minutes: "{n} min",
  },
});

// Rendering 20,000 rows at once makes the page slow on a handheld; the rest is one click away.
const kScansShownFirst = 500;

// --- API shape (docs/API.md, "Labor data") ---

type Counts = Record<string, number>;

interface OwnScan {
  at: number;
  process: string;
  zone: string | null;
  outcome: string;
  units: number;
}

interface OwnDay {
  day: string;
  units: number;
  errors_per_cause: Counts;
  current_task: { process: string | null; zone: string | null } | null;
  sessions: { start: number; end: number | null }[];
  scans: OwnScan[];
  truncated: boolean;
}

interface OwnWeek {
  week: string | number;
  week_start: string;
  units_per_process: Counts;
  errors_per_cause: Counts;
  ms_per_zone: Counts;
}

interface Access {
  at: number;
  actor: string;
  actor_kind: string;
  role: string | null;
  action: string;
  data_class: string;
  purpose: string;
  outcome: string;
}

interface LaborMe {
  worker: string;
  generated_at: number;
  today: OwnDay;
  weeks: OwnWeek[];
  retention: { labor_events_days: number; worker_weekly_weeks: number };
  accesses: Access[] | null;
}

export const myDataPage: Page = {
  path: "me",
  title: () => t("title"),
  roles: kAllRoles,
  render: async (context) => {
    const aborter = new AbortController();
    const body = h("div", {}, h("p", { class: "muted" }, t("loading")));
    replace(context.root, h("h1", {}, t("title")), exportBlock(context, aborter.signal), body);
    try {
      const data = await getJson<LaborMe>("/api/v1/labor/me", {
        token: context.session!.token,
        signal: aborter.signal,
      });
      replace(body, ...ownDataView(data));
    } catch (error) {
      showFailure(context, body, error);
    }
    return () => aborter.abort();
  },
};

// The API's message (403, 503 labor_unavailable, ...); a 401 ends the session; an abort
// (the page was left) shows nothing.
function showFailure(context: PageContext, slot: HTMLElement, error: unknown): void {
  if (error instanceof DOMException && error.name === "AbortError") return;
  if (error instanceof ApiError && error.status === 401) {
    context.sessionEnded();
    return;
  }
  replace(slot, errorBox(error));
}

function ownDataView(data: LaborMe): HTMLElement[] {
  return [
    h("p", {}, t("intro", { login: data.worker, time: formatDateTime(data.generated_at) })),
    section("today", t("today", { day: data.today.day }), ...todayView(data.today)),
    section("weeks", t("weeks"), weeksView(data.weeks)),
    section("retention", t("retention"), retentionView(data.retention)),
    section("accesses", t("accesses"), accessesView(data.accesses)),
  ];
}

function section(id: string, heading: string, ...content: Node[]): HTMLElement {
  return h("section", { "aria-labelledby": `me-${id}` }, h("h2", { id: `me-${id}` }, heading), ...content);
}

type CellValue = Node | string | number | null;

function dataTable(caption: string, headers: string[], rows: CellValue[][]): HTMLElement {
  const head = h("tr", {}, ...headers.map((text) => h("th", { scope: "col" }, text)));
  const body = rows.map((cells) =>
    h(
      "tr",
      {},
      ...cells.map((cell) =>
        typeof cell === "number" ? h("td", { class: "number" }, formatNumber(cell)) : h("td", {}, cell),
      ),
    ),
  );
  // Focusable so the arrow keys can scroll a wide table at 200% zoom (WCAG 2.1.1).
  const table = h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, ...body));
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption }, table);
}

// "pick: 12, stow: 3", or "none": a map of counts in one cell.
function countsText(counts: Counts, format: (n: number) => string = formatNumber): string {
  const entries = Object.entries(counts);
  return entries.length ? entries.map(([name, n]) => `${name}: ${format(n)}`).join(", ") : t("none");
}

// --- Today ---

function todayView(today: OwnDay): Node[] {
  const out: Node[] = [
    h("p", {}, t("unitsToday", { units: formatNumber(today.units) })),
    h("p", {}, currentTaskText(today.current_task)),
    errorsView(today.errors_per_cause),
    sessionsView(today.sessions),
    scansView(today.scans),
  ];
  if (today.truncated) out.push(h("p", { class: "notice" }, t("truncated")));
  return out;
}

function currentTaskText(task: OwnDay["current_task"]): string {
  if (!task || !task.process) return t("noTask");
  return task.zone
    ? t("currentTask", { process: task.process, zone: task.zone })
    : t("currentTaskNoZone", { process: task.process });
}

function errorsView(errors: Counts): Node {
  const rows = Object.entries(errors).map(([cause, n]) => [cause, n]);
  return rows.length ? dataTable(t("errorsCaption"), [t("cause"), t("count")], rows) : h("p", {}, t("noErrors"));
}

function sessionsView(sessions: OwnDay["sessions"]): Node {
  if (sessions.length === 0) return h("p", {}, t("noSessions"));
  const rows = sessions.map((s) => [formatTime(s.start), s.end === null ? t("open") : formatTime(s.end)]);
  return dataTable(t("sessionsCaption"), [t("start"), t("end")], rows);
}

// Newest first, the first kScansShownFirst at once and a button for the rest.
function scansView(scans: OwnScan[]): Node {
  if (scans.length === 0) return h("p", {}, t("noScans"));
  const newest = [...scans].sort((a, b) => b.at - a.at);
  const holder = h("div");
  const draw = (count: number) => {
    const table = dataTable(
      t("scansCaption", { count: formatNumber(scans.length) }),
      [t("time"), t("process"), t("zone"), t("outcome"), t("units")],
      newest.slice(0, count).map(scanRow),
    );
    if (count >= newest.length) return replace(holder, table);
    const more = h(
      "button",
      { type: "button", class: "secondary", onclick: () => draw(newest.length) },
      t("showAll", { count: formatNumber(scans.length) }),
    );
    replace(
      holder,
      table,
      h("p", {}, t("shownFirst", { shown: formatNumber(count), count: formatNumber(scans.length) }), " ", more),
    );
  };
  draw(kScansShownFirst);
  return holder;
}

function scanRow(scan: OwnScan): CellValue[] {
  return [formatTime(scan.at), scan.process, scan.zone ?? "–", scan.outcome, scan.units];
}

// --- Weeks, retention, accesses ---

function weeksView(weeks: OwnWeek[]): Node {
  if (weeks.length === 0) return h("p", {}, t("noWeeks"));
  const minutes = (ms: number) => t("minutes", { n: formatNumber(Math.round(ms / 60_000)) });
  const rows = weeks.map((w) => [
    String(w.week),
    w.week_start,
    countsText(w.units_per_process),
    countsText(w.errors_per_cause),
    countsText(w.ms_per_zone, minutes),
  ]);
  return dataTable(
    t("weeksCaption"),
    [t("week"), t("weekStart"), t("unitsPerProcess"), t("errorsPerCause"), t("timePerZone")],
    rows,
  );
}

function retentionView(retention: LaborMe["retention"]): Node {
  return h(
    "ul",
    {},
    // One day is the day itself: the day pseudonym is destroyed at its end (docs/LABOR.md).
    h(
      "li",
      {},
      retention.labor_events_days === 1
        ? t("retentionEventsOne")
        : t("retentionEvents", { days: formatNumber(retention.labor_events_days) }),
    ),
    h(
      "li",
      {},
      retention.worker_weekly_weeks === 1
        ? t("retentionWeeksOne")
        : t("retentionWeeks", { weeks: formatNumber(retention.worker_weekly_weeks) }),
    ),
  );
}

function accessesView(accesses: Access[] | null): Node {
  if (accesses === null) return h("p", {}, t("noAuditLog"));
  if (accesses.length === 0) return h("p", {}, t("noAccesses"));
  const rows = accesses.map((a) => [
    formatDateTime(a.at),
    a.actor,
    a.role ?? t("system"),
    a.action,
    a.purpose,
    a.data_class,
    a.outcome,
  ]);
  return dataTable(
    t("accessesCaption"),
    [t("when"), t("who"), t("role"), t("action"), t("purpose"), t("dataClass"), t("result")],
    rows,
  );
}

// --- Export ---

function exportBlock(context: PageContext, signal: AbortSignal): HTMLElement {
  const status = h("div", { role: "status" });
  const button = h("button", { type: "button" }, t("export"));
  button.addEventListener("click", () => void exportData(context, signal, button, status));
  return h("div", { class: "actions" }, button, status);
}

async function exportData(
  context: PageContext,
  signal: AbortSignal,
  button: HTMLButtonElement,
  status: HTMLElement,
): Promise<void> {
  button.disabled = true;
  replace(status, h("p", { class: "muted" }, t("exporting")));
  try {
    const response = await send("/api/v1/labor/me?format=export", { token: context.session!.token, signal });
    const file = fileNameOf(response.headers.get("Content-Disposition"));
    download(await response.blob(), file);
    replace(status, h("p", {}, t("exported", { file })));
  } catch (error) {
    showFailure(context, status, error);
  } finally {
    button.disabled = false;
  }
}

// The filename="…" of a Content-Disposition header, kept to safe characters (the server
// sanitises it too); a plain default otherwise.
function fileNameOf(header: string | null): string {
  const match = header?.match(/filename="?([^";]+)"?/i);
  const name = match ? match[1].replace(/[^A-Za-z0-9._-]/g, "_") : "";
  return name || "entrepot-labor.json";
}

// A same-origin blob: URL through a temporary <a download>: the CSP allows it, and the
// file never leaves the browser.
function download(blob: Blob, file: string): void {
  const url = URL.createObjectURL(new Blob([blob], { type: "application/json" }));
  const link = h("a", { href: url, download: file, class: "visually-hidden" }, file);
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers; FileSaver.js waits 40 s.
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}
