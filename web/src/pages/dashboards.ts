// The site manager's dashboards: throughput over the day, cut-off performance, the workload
// plan against the staff planned, and k-anonymous team aggregates (IND-06, AGG-01). Every
// chart has a table with the same figures beside it, since a canvas says nothing to a
// screen reader, and every state (at risk, suppressed, short) is written in words, not
// shown by colour alone.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { ApiError, getJson } from "../api";
import { announce, h, replace } from "../dom";
import { errorBox } from "../errors";
import { formatDateTime, formatNumber, formatTime, strings } from "../i18n";
import type { Page, PageContext } from "../page";
import type { CutoffAnswer, CutoffGroup, FlowAnswer, FlowBucket } from "../api_types";

// Only what the bar charts use, so the bundle carries no other chart type.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const t = strings({
  en: {
    title: "Dashboards",
    refresh: "Refresh all",
    loading: "Loading…",
    units: "Units",
    movements: "Movements",
    total: "Total",
    hour: "Hour",
    // Throughput
    throughput: "Throughput over the day",
    throughputIntro: "Units moved per hour and process over the last 24 hours.",
    throughputChart: "Bar chart of units per hour, stacked by process. The table below gives the same figures.",
    throughputCaption: "Units per hour and process, last 24 hours",
    totalsNote: "This server gives no hourly series yet: totals of the last 24 hours.",
    totalsCaption: "Units and movements per process, last 24 hours",
    process: "Process",
    noFlow: "Nothing was moved in the last 24 hours.",
    // Cut-offs
    cutoffs: "Cut-off performance",
    cutoffsCaption: "Progress per carrier and cut-off",
    carrier: "Carrier",
    cutoff: "Cut-off",
    orders: "Orders",
    picked: "Picked",
    packed: "Packed",
    shipped: "Shipped",
    short: "Short",
    workLeft: "Work left",
    projected: "Projected completion",
    status: "Status",
    atRisk: "At risk",
    onTrack: "On track",
    notMeasured: "not measured",
    done: "done",
    rate: "Throughput measured over the last hour: {rate} units per minute.",
    rateUnknown:
      "No throughput measured in the last hour: projections are unknown and cut-offs with work left count as at risk.",
    atRiskOrders: "Orders at risk: {ids}",
    noAtRiskOrders: "No order is at risk.",
    truncatedCutoffs: "Only the first 1,000 cut-offs are listed.",
    truncatedOrders: "Only the first 1,000 orders at risk are listed.",
    noCutoffs: "No open order has a cut-off.",
    // Workload
    workload: "Workload plan vs staffed",
    workloadIntro:
      "Staff needed per zone and hour to meet the cut-offs, against the staff you plan. Team level only: no figure is about a person.",
    hours: "Hours to plan (1 to 48)",
    plannedFor: "Planned staff in zone {zone}",
    plannedHint:
      "One figure for every hour, or one figure per hour separated by spaces (for example: 4 4 5 6). Empty means 0.",
    compute: "Compare needed and planned staff",
    badPlanned: "Zone {zone}: write numbers of 0 or more separated by spaces, at most {hours} of them.",
    badHours: "The plan covers 1 to 48 hours.",
    noZones: "The layout has no zone yet.",
    planReady: "The workload plan is updated.",
    aggregatesReady: "The team aggregates are updated.",
    noWork: "No outbound work is open in these hours and no staff is planned.",
    planFrom: "Plan from {time}. Units due after the horizon (not planned): {units}.",
    workHours: "Zone {zone}: {hours} hours of work open.",
    zoneCaption: "Zone {zone}: staff needed, planned and gap per hour",
    needed: "Needed",
    planned: "Planned",
    gap: "Gap",
    verdict: "Staffing",
    understaffed: "Short by {n}",
    covered: "Covered",
    chartZone: "Zone shown in the chart",
    allZones: "All zones (total)",
    workloadChart: "Bar chart of staff needed and planned per hour for {zone}. The tables give the same figures.",
    // Aggregates
    aggregates: "Team aggregates",
    aggregatesIntro:
      "Today's labor figures for groups of at least {k} workers. A smaller group is suppressed, never shown as zero.",
    aggregatesIntroUnknown:
      "Today's labor figures for groups of workers. Small groups are suppressed, never shown as zero.",
    groupBy: "Group by",
    purpose: "Purpose of this reading",
    show: "Show the aggregates",
    byZone: "Zone",
    byProcess: "Process",
    byTeam: "Team",
    byShift: "Shift",
    byNone: "Whole site",
    group: "Group",
    workers: "Workers",
    errors: "Errors",
    aggregatesCaption: "Labor figures of {day} by {dimension}",
    allGroup: "All",
    unassigned: "(unassigned)",
    noCells: "No labor data today.",
    suppressedWord: "suppressed",
    below_min_group: "fewer than {k} workers",
    differencing: "would reveal a smaller group by difference with an earlier answer",
    complementary: "hidden so that another suppressed group cannot be worked out",
    flow_management: "Flow management",
    planning: "Planning",
    process_improvement: "Process improvement",
  },
  fr: {
    title: "Tableaux de bord",
    refresh: "Tout actualiser",
    loading: "Chargement…",
    units: "Unités",
    movements: "Mouvements",
    total: "Total",
    hour: "Heure",
    throughput: "Débit de la journée",
    throughputIntro: "Unités déplacées par heure et par processus sur les dernières 24 heures.",
    throughputChart:
      "Histogramme des unités par heure, empilées par processus. Le tableau ci-dessous donne les mêmes chiffres.",
    throughputCaption: "Unités par heure et par processus, dernières 24 heures",
    totalsNote: "Ce serveur ne donne pas encore de série horaire : totaux des dernières 24 heures.",
    totalsCaption: "Unités et mouvements par processus, dernières 24 heures",
    process: "Processus",
    noFlow: "Rien n'a été déplacé ces dernières 24 heures.",
    cutoffs: "Respect des heures limites",
    cutoffsCaption: "Avancement par transporteur et heure limite",
    carrier: "Transporteur",
    cutoff: "Heure limite",
    orders: "Commandes",
    picked: "Prélevées",
    packed: "Emballées",
    shipped: "Expédiées",
    short: "Manquantes",
    workLeft: "Reste à faire",
    projected: "Fin prévue",
    status: "État",
    atRisk: "En retard probable",
    onTrack: "Dans les temps",
    notMeasured: "non mesurée",
    done: "terminé",
    rate: "Débit mesuré sur la dernière heure : {rate} unités par minute.",
    rateUnknown:
      "Aucun débit mesuré sur la dernière heure : les fins prévues sont inconnues et les heures limites avec du travail restant sont comptées en retard probable.",
    atRiskOrders: "Commandes en retard probable : {ids}",
    noAtRiskOrders: "Aucune commande en retard probable.",
    truncatedCutoffs: "Seules les 1 000 premières heures limites sont listées.",
    truncatedOrders: "Seules les 1 000 premières commandes en retard probable sont listées.",
    noCutoffs: "Aucune commande ouverte n'a d'heure limite.",
    workload: "Charge prévue et effectifs",
    workloadIntro:
      "Effectif nécessaire par zone et par heure pour tenir les heures limites, face à l'effectif que vous prévoyez. Niveau équipe seulement : aucun chiffre ne concerne une personne.",
    hours: "Heures à planifier (1 à 48)",
    plannedFor: "Effectif prévu dans la zone {zone}",
    plannedHint:
      "Un chiffre pour toutes les heures, ou un chiffre par heure séparés par des espaces (par exemple : 4 4 5 6). Vide vaut 0.",
    compute: "Comparer effectif nécessaire et prévu",
    badPlanned: "Zone {zone} : écrivez des nombres positifs ou nuls séparés par des espaces, {hours} au plus.",
    badHours: "Le plan couvre de 1 à 48 heures.",
    noZones: "Le plan du site n'a encore aucune zone.",
    planReady: "Le plan de charge est à jour.",
    aggregatesReady: "Les indicateurs d'équipe sont à jour.",
    noWork: "Aucun travail de sortie n'est ouvert sur ces heures et aucun effectif n'est prévu.",
    planFrom: "Plan à partir de {time}. Unités dues après l'horizon (non planifiées) : {units}.",
    workHours: "Zone {zone} : {hours} heures de travail en attente.",
    zoneCaption: "Zone {zone} : effectif nécessaire, prévu et écart par heure",
    needed: "Nécessaire",
    planned: "Prévu",
    gap: "Écart",
    verdict: "Couverture",
    understaffed: "Manque {n}",
    covered: "Couvert",
    chartZone: "Zone affichée dans le graphique",
    allZones: "Toutes les zones (total)",
    workloadChart:
      "Histogramme de l'effectif nécessaire et prévu par heure pour {zone}. Les tableaux donnent les mêmes chiffres.",
    aggregates: "Indicateurs d'équipe",
    aggregatesIntro:
      "Chiffres du travail d'aujourd'hui pour des groupes d'au moins {k} personnes. Un groupe plus petit est masqué, jamais montré comme zéro.",
    aggregatesIntroUnknown:
      "Chiffres du travail d'aujourd'hui par groupe. Les petits groupes sont masqués, jamais montrés comme zéro.",
    groupBy: "Regrouper par",
    purpose: "Finalité de cette consultation",
    show: "Afficher les indicateurs",
    byZone: "Zone",
    byProcess: "Processus",
    byTeam: "Équipe",
    byShift: "Poste",
    byNone: "Site entier",
    group: "Groupe",
    workers: "Personnes",
    errors: "Erreurs",
    aggregatesCaption: "Chiffres du travail du {day} par {dimension}",
    allGroup: "Tous",
    unassigned: "(non affecté)",
    noCells: "Aucune donnée de travail aujourd'hui.",
    suppressedWord: "masqué",
    below_min_group: "moins de {k} personnes",
    differencing: "révélerait un groupe plus petit par différence avec une réponse précédente",
    complementary: "masqué pour qu'un autre groupe masqué ne puisse pas être déduit",
    flow_management: "Pilotage des flux",
    planning: "Planification",
    process_improvement: "Amélioration des processus",
  },
});

const kProcessNames = strings({
  en: { receive: "Receive", stow: "Stow", move: "Move", pick: "Pick", pack: "Pack", ship: "Ship", count: "Count" },
  fr: {
    receive: "Réception",
    stow: "Rangement",
    move: "Déplacement",
    pick: "Prélèvement",
    pack: "Emballage",
    ship: "Expédition",
    count: "Inventaire",
  },
});
const kProcessOrder = ["receive", "stow", "move", "pick", "pack", "ship", "count"];

// Okabe-Ito colours: told apart by most colour-blind readers; the legend names each one.
const kPalette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

// The purposes the default policy grants site_manager for team_aggregates (policy.cc).
const kPurposes = ["flow_management", "planning", "process_improvement"] as const;
const kDimensions = [
  ["zone", "byZone"],
  ["process", "byProcess"],
  ["team", "byTeam"],
  ["shift", "byShift"],
  ["none", "byNone"],
] as const;

// --- API shapes (docs/API.md) ---

interface ZoneWorkload {
  zone: string;
  work_hours: number;
  needed: number[];
  planned: number[];
  gap: number[];
}

interface WorkloadAnswer {
  from: string;
  hours: number;
  zones: ZoneWorkload[];
  beyond_horizon_units: number;
}

interface AggregateCell {
  group: string;
  suppressed?: string;
  workers?: number;
  units?: number;
  errors?: number;
}

interface AggregateAnswer {
  day: string;
  group_by: string;
  min_group_size: number;
  cells: AggregateCell[];
}

// --- Page plumbing ---

// What every section needs: the token, the page's abort signal (requests still running
// when the page is left are dropped) and the charts to destroy on leaving.
interface Dashboard {
  context: PageContext;
  token: string;
  signal: AbortSignal;
  charts: Map<string, Chart>;
}

export const dashboardsPage: Page = {
  path: "dashboards",
  title: () => t("title"),
  roles: ["admin", "site_manager"],
  render: async (context) => {
    const aborter = new AbortController();
    const board: Dashboard = { context, token: context.session!.token, signal: aborter.signal, charts: new Map() };
    const sections = [throughputSection(board), cutoffSection(board), workloadSection(board), aggregatesSection(board)];
    const refresh = h(
      "button",
      { type: "button", class: "secondary", onclick: () => sections.forEach((s) => void s.load()) },
      t("refresh"),
    );
    replace(context.root, h("h1", {}, t("title")), h("p", {}, refresh), ...sections.map((s) => s.element));
    await Promise.all(sections.map((s) => s.load()));
    return () => {
      aborter.abort();
      board.charts.forEach((chart) => chart.destroy());
    };
  },
};

interface Section {
  element: HTMLElement;
  load: () => Promise<void>;
}

// A <section> labelled by its h2, with the intro and a slot the loader fills.
function sectionShell(
  id: string,
  heading: string,
  ...intro: (Node | string)[]
): { element: HTMLElement; slot: HTMLElement } {
  // Not a live region: a screen reader would read whole tables at each refresh; the
  // user-started updates announce a short line instead (announce()).
  const slot = h("div", { id: `${id}-body` });
  const element = h(
    "section",
    { "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, heading),
    ...intro,
    slot,
  );
  return { element, slot };
}

function loading(slot: HTMLElement): void {
  replace(slot, h("p", { class: "muted" }, t("loading")));
}

// Shows why a request failed; a 401 ends the session instead, and an abort (page left) shows nothing.
function failed(board: Dashboard, slot: HTMLElement, error: unknown): void {
  if (error instanceof DOMException && error.name === "AbortError") return;
  if (error instanceof ApiError && error.status === 401) {
    board.context.sessionEnded();
    return;
  }
  replace(slot, errorBox(error));
}

async function fetchInto<T>(board: Dashboard, slot: HTMLElement, path: string, body?: unknown): Promise<T | null> {
  try {
    const method = body === undefined ? "GET" : "POST";
    return await getJson<T>(path, { method, body, token: board.token, signal: board.signal });
  } catch (error) {
    failed(board, slot, error);
    return null;
  }
}

// A chart on a new canvas inside a sized box; the previous chart of the same key is
// destroyed first (chart.js keeps resize listeners on it otherwise).
function drawChart(
  board: Dashboard,
  key: string,
  label: string,
  config: ChartConfiguration<"bar", number[], string>,
): HTMLElement {
  board.charts.get(key)?.destroy();
  const canvas = h("canvas", { role: "img", "aria-label": label }, label);
  const box = h("div", { class: "chart" }, canvas);
  board.charts.set(key, new Chart(canvas, config));
  return box;
}

function barConfig(
  labels: string[],
  datasets: { label: string; data: number[] }[],
  stacked: boolean,
  yTitle: string,
): ChartConfiguration<"bar", number[], string> {
  return {
    type: "bar",
    data: {
      labels,
      datasets: datasets.map((set, index) => ({ ...set, backgroundColor: kPalette[index % kPalette.length] })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false, // Figures that jump in are harder to read, and screenshots stay exact.
      scales: {
        x: { stacked },
        y: { stacked, beginAtZero: true, title: { display: true, text: yTitle } },
      },
    },
  };
}

// A wide table scrolls sideways in its box at 200% zoom; the box takes focus so the arrow
// keys can scroll it (WCAG 2.1.1), named after the table's caption.
function wrap(table: HTMLTableElement): HTMLElement {
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": table.caption?.textContent ?? "" },
    table,
  );
}

type CellValue = Node | string | number | null;

// A table whose first column names the row (th scope="row") and whose numbers align right
// (a column is numeric when its first row holds a number).
function figureTable(caption: string, headers: string[], rows: CellValue[][]): HTMLTableElement {
  const numeric = headers.map((_, i) => i > 0 && typeof rows[0]?.[i] === "number");
  const head = h(
    "tr",
    {},
    ...headers.map((text, i) => h("th", { scope: "col", class: numeric[i] ? "number" : undefined }, text)),
  );
  const body = rows.map((cells) =>
    h(
      "tr",
      {},
      ...cells.map((cell, i) =>
        i === 0
          ? h("th", { scope: "row" }, cell)
          : h(
              "td",
              { class: typeof cell === "number" ? "number" : undefined },
              typeof cell === "number" ? formatNumber(cell) : cell,
            ),
      ),
    ),
  );
  return h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, ...body));
}

function processLabel(process: string): string {
  return kProcessOrder.includes(process) ? kProcessNames(process as Parameters<typeof kProcessNames>[0]) : process;
}

// Staff figures are fractions of people: one decimal is enough to plan with.
function staff(value: number): number {
  return Math.round(value * 10) / 10;
}

// --- (a) Throughput over the day ---

function throughputSection(board: Dashboard): Section {
  const { element, slot } = sectionShell("throughput", t("throughput"), h("p", {}, t("throughputIntro")));
  const load = async () => {
    loading(slot);
    const flow = await fetchInto<FlowAnswer>(board, slot, "/api/v1/flow?window=24h&step=1h");
    if (!flow) return;
    if (!flow.series) replace(slot, h("p", { class: "notice" }, t("totalsNote")), wrap(flowTotalsTable(flow)));
    else if (flow.totals.units === 0 && flow.series.every((b) => b.units === 0)) replace(slot, h("p", {}, t("noFlow")));
    else replace(slot, ...flowSeriesView(board, flow.series));
  };
  return { element, load };
}

// Process names in the order of the work (receive → ship), unknown ones last.
function inWorkOrder(names: Iterable<string>): string[] {
  const rank = (p: string) => (kProcessOrder.includes(p) ? kProcessOrder.indexOf(p) : kProcessOrder.length);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function seriesProcesses(series: FlowBucket[]): string[] {
  return inWorkOrder(series.flatMap((bucket) => Object.keys(bucket.by_process)));
}

function flowSeriesView(board: Dashboard, series: FlowBucket[]): HTMLElement[] {
  const processes = seriesProcesses(series);
  const labels = series.map((bucket) => formatTime(Date.parse(bucket.from)));
  const datasets = processes.map((p) => ({ label: processLabel(p), data: series.map((b) => b.by_process[p] ?? 0) }));
  const chart = drawChart(board, "throughput", t("throughputChart"), barConfig(labels, datasets, true, t("units")));
  const headers = [t("hour"), ...processes.map(processLabel), t("units"), t("movements")];
  const rows = series.map((b, i) => [labels[i], ...processes.map((p) => b.by_process[p] ?? 0), b.units, b.movements]);
  return [chart, wrap(figureTable(t("throughputCaption"), headers, rows))];
}

function flowTotalsTable(flow: FlowAnswer): HTMLTableElement {
  const byName = new Map(flow.totals.by_process.map((p) => [p.process, p]));
  const rows: CellValue[][] = inWorkOrder(byName.keys()).map((name) => [
    processLabel(name),
    byName.get(name)!.units,
    byName.get(name)!.movements,
  ]);
  rows.push([t("total"), flow.totals.units, flow.totals.movements]);
  return figureTable(t("totalsCaption"), [t("process"), t("units"), t("movements")], rows);
}

// --- (b) Cut-off performance ---

function cutoffSection(board: Dashboard): Section {
  const { element, slot } = sectionShell("cutoffs", t("cutoffs"));
  const load = async () => {
    loading(slot);
    const answer = await fetchInto<CutoffAnswer>(board, slot, "/api/v1/cutoffs");
    if (answer) replace(slot, ...cutoffView(answer));
  };
  return { element, load };
}

function cutoffView(answer: CutoffAnswer): HTMLElement[] {
  const rate = answer.units_per_minute;
  const out: HTMLElement[] = [h("p", {}, rate ? t("rate", { rate: formatNumber(staff(rate)) }) : t("rateUnknown"))];
  if (answer.cutoffs.length === 0) return [...out, h("p", {}, t("noCutoffs"))];
  out.push(wrap(cutoffTable(answer.cutoffs)));
  if (answer.cutoffs_truncated) out.push(h("p", { class: "notice" }, t("truncatedCutoffs")));
  out.push(
    h("p", {}, answer.at_risk.length ? t("atRiskOrders", { ids: answer.at_risk.join(", ") }) : t("noAtRiskOrders")),
  );
  if (answer.at_risk_truncated) out.push(h("p", { class: "notice" }, t("truncatedOrders")));
  return out;
}

// With no work left there is nothing to project: the cut-off is done, not unmeasured.
function projection(group: CutoffGroup): string {
  if (group.projected_completion) return formatDateTime(Date.parse(group.projected_completion));
  return group.work_left === 0 ? t("done") : t("notMeasured");
}

function cutoffTable(groups: CutoffGroup[]): HTMLTableElement {
  const headers = [
    t("carrier"),
    t("cutoff"),
    t("orders"),
    t("units"),
    t("picked"),
    t("packed"),
    t("shipped"),
    t("short"),
    t("workLeft"),
    t("projected"),
    t("status"),
  ];
  const rows = groups.map((g) => [
    g.carrier,
    formatDateTime(Date.parse(g.cutoff)),
    g.orders,
    g.units,
    g.picked,
    g.packed,
    g.shipped,
    g.short,
    g.work_left,
    projection(g),
    // The badge's text carries the meaning; its colour only repeats it.
    h("span", { class: g.at_risk ? "badge bad" : "badge ok" }, g.at_risk ? t("atRisk") : t("onTrack")),
  ]);
  return figureTable(t("cutoffsCaption"), headers, rows);
}

// --- (c) Workload plan vs staffed ---

function workloadSection(board: Dashboard): Section {
  const { element, slot } = sectionShell("workload", t("workload"), h("p", {}, t("workloadIntro")));
  const formSlot = h("div");
  const result = h("div");
  const load = async () => {
    loading(slot);
    const zones = await fetchInto<{ zones: { code: string; name: string }[] }>(board, slot, "/api/v1/zones");
    if (!zones) return;
    if (zones.zones.length === 0) {
      replace(slot, h("p", {}, t("noZones")));
      return;
    }
    replace(
      formSlot,
      workloadForm(
        board,
        zones.zones.map((z) => z.code),
        result,
      ),
    );
    replace(slot, formSlot, result);
    await computePlan(board, result, { hours: 8 });
  };
  return { element, load };
}

function workloadForm(board: Dashboard, zones: string[], result: HTMLElement): HTMLFormElement {
  const hours = h("input", {
    id: "workload-hours",
    type: "number",
    min: 1,
    max: 48,
    step: 1,
    value: 8,
    required: true,
    inputmode: "numeric",
  });
  const inputs = zones.map((zone, i) => ({
    zone,
    input: h("input", {
      id: `workload-zone-${i}`,
      type: "text",
      inputmode: "decimal",
      "aria-describedby": "workload-hint",
      autocomplete: "off",
    }),
  }));
  const fields = inputs.map(({ zone, input }) =>
    h("div", {}, h("label", { for: input.id }, t("plannedFor", { zone })), input),
  );
  const form = h(
    "form",
    { novalidate: true },
    h("label", { for: hours.id }, t("hours")),
    hours,
    h("p", { id: "workload-hint", class: "muted" }, t("plannedHint")),
    ...fields,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("compute"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = workloadRequest(hours.value, inputs);
    if (typeof request === "string") replace(result, h("p", { class: "error", role: "alert" }, request));
    else void computePlan(board, result, request);
  });
  return form;
}

// The POST body from the form, or the sentence saying what to correct.
function workloadRequest(
  hoursText: string,
  inputs: { zone: string; input: HTMLInputElement }[],
): { hours: number; planned: Record<string, number[]> } | string {
  const hours = Number(hoursText);
  if (!Number.isInteger(hours) || hours < 1 || hours > 48) return t("badHours");
  const planned: Record<string, number[]> = {};
  for (const { zone, input } of inputs) {
    const figures = parseStaff(input.value, hours);
    if (!figures) return t("badPlanned", { zone, hours });
    if (figures.length) planned[zone] = figures;
  }
  return { hours, planned };
}

// "4" → 4 for every hour; "4 4 5" → one per hour; "" → nothing planned. Null when malformed.
function parseStaff(text: string, hours: number): number[] | null {
  const words = text
    .trim()
    .split(/[\s;]+/)
    .filter(Boolean);
  // A decimal comma is how French writes 2,5.
  const figures = words.map((word) => Number(word.replace(",", ".")));
  if (figures.some((f) => !Number.isFinite(f) || f < 0) || figures.length > hours) return null;
  return figures.length === 1 ? Array<number>(hours).fill(figures[0]) : figures;
}

async function computePlan(
  board: Dashboard,
  result: HTMLElement,
  request: { hours: number; planned?: Record<string, number[]> },
): Promise<void> {
  loading(result);
  const plan = await fetchInto<WorkloadAnswer>(board, result, "/api/v1/workload", request);
  if (!plan) return;
  replace(result, ...workloadView(board, plan));
  announce(t("planReady"));
}

function hourLabels(plan: WorkloadAnswer): string[] {
  const from = Date.parse(plan.from);
  return Array.from({ length: plan.hours }, (_, i) => formatTime(from + i * 3_600_000));
}

function workloadView(board: Dashboard, plan: WorkloadAnswer): HTMLElement[] {
  const labels = hourLabels(plan);
  const summary = h(
    "p",
    {},
    t("planFrom", { time: formatDateTime(Date.parse(plan.from)), units: formatNumber(plan.beyond_horizon_units) }),
  );
  // The API lists only zones with open work or planned staff.
  if (plan.zones.length === 0) return [summary, h("p", {}, t("noWork"))];
  const chartSlot = h("div");
  const select = workloadChartSelect(plan, (zone) => replace(chartSlot, workloadChart(board, plan, labels, zone)));
  replace(chartSlot, workloadChart(board, plan, labels, ""));
  const tables = plan.zones.map((zone) => zoneWorkloadTable(zone, labels));
  return [summary, select, chartSlot, ...tables];
}

function workloadChartSelect(plan: WorkloadAnswer, onChange: (zone: string) => void): HTMLElement {
  const select = h(
    "select",
    { id: "workload-chart-zone" },
    h("option", { value: "" }, t("allZones")),
    ...plan.zones.map((z) => h("option", { value: z.zone }, z.zone)),
  );
  select.addEventListener("change", () => onChange(select.value));
  return h("div", {}, h("label", { for: select.id }, t("chartZone")), select);
}

// Needed and planned per hour for one zone, or summed over all zones when `zone` is "".
function workloadChart(board: Dashboard, plan: WorkloadAnswer, labels: string[], zone: string): HTMLElement {
  const zones = plan.zones.filter((z) => zone === "" || z.zone === zone);
  const sum = (pick: (z: ZoneWorkload) => number[]) =>
    labels.map((_, i) => staff(zones.reduce((total, z) => total + (pick(z)[i] ?? 0), 0)));
  const datasets = [
    { label: t("needed"), data: sum((z) => z.needed) },
    { label: t("planned"), data: sum((z) => z.planned) },
  ];
  const label = t("workloadChart", { zone: zone || t("allZones") });
  return drawChart(board, "workload", label, barConfig(labels, datasets, false, t("workers")));
}

function zoneWorkloadTable(zone: ZoneWorkload, labels: string[]): HTMLElement {
  const rows = labels.map((label, i) => {
    const gap = staff(zone.gap[i] ?? 0);
    return [
      label,
      staff(zone.needed[i] ?? 0),
      staff(zone.planned[i] ?? 0),
      gap,
      gap > 0 ? t("understaffed", { n: formatNumber(gap) }) : t("covered"),
    ];
  });
  const table = figureTable(
    t("zoneCaption", { zone: zone.zone }),
    [t("hour"), t("needed"), t("planned"), t("gap"), t("verdict")],
    rows,
  );
  return h(
    "div",
    {},
    h("p", {}, t("workHours", { zone: zone.zone, hours: formatNumber(staff(zone.work_hours)) })),
    wrap(table),
  );
}

// --- (d) Team aggregates ---

function aggregatesSection(board: Dashboard): Section {
  const intro = h("p", {}, t("aggregatesIntroUnknown"));
  const { element, slot } = sectionShell("aggregates", t("aggregates"), intro);
  const groupBy = selectField(
    "aggregates-group-by",
    t("groupBy"),
    kDimensions.map(([value, key]) => [value, t(key)]),
  );
  const purpose = selectField(
    "aggregates-purpose",
    t("purpose"),
    kPurposes.map((p) => [p, t(p)]),
  );
  const load = async () => {
    loading(slot);
    const query = `purpose=${encodeURIComponent(purpose.select.value)}&group_by=${encodeURIComponent(groupBy.select.value)}`;
    const answer = await fetchInto<AggregateAnswer>(board, slot, `/api/v1/labor/aggregates?${query}`);
    if (!answer) return;
    intro.textContent = t("aggregatesIntro", { k: answer.min_group_size });
    replace(slot, answer.cells.length ? wrap(aggregatesTable(answer)) : h("p", {}, t("noCells")));
    announce(t("aggregatesReady"));
  };
  const form = h(
    "form",
    {},
    groupBy.field,
    purpose.field,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("show"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  element.insertBefore(form, slot);
  return { element, load };
}

function selectField(
  id: string,
  label: string,
  options: (readonly [string, string])[],
): { field: HTMLElement; select: HTMLSelectElement } {
  const select = h("select", { id }, ...options.map(([value, text]) => h("option", { value }, text)));
  return { field: h("div", {}, h("label", { for: id }, label), select), select };
}

function dimensionLabel(dimension: string): string {
  const found = kDimensions.find(([value]) => value === dimension);
  return found ? t(found[1]).toLowerCase() : dimension;
}

function aggregatesTable(answer: AggregateAnswer): HTMLTableElement {
  const caption = t("aggregatesCaption", { day: answer.day, dimension: dimensionLabel(answer.group_by) });
  const headers = [t("group"), t("workers"), t("units"), t("errors")];
  const head = h(
    "tr",
    {},
    ...headers.map((text, i) => h("th", { scope: "col", class: i > 0 ? "number" : undefined }, text)),
  );
  const rows = answer.cells.map((cell) =>
    h("tr", {}, h("th", { scope: "row" }, groupName(answer, cell)), ...aggregateFigures(answer, cell)),
  );
  return h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, ...rows));
}

function groupName(answer: AggregateAnswer, cell: AggregateCell): string {
  if (cell.group !== "") return answer.group_by === "process" ? processLabel(cell.group) : cell.group;
  return answer.group_by === "none" ? t("allGroup") : t("unassigned");
}

// AGG-01: a suppressed group has no figure at all; it says so in words, never 0 or blank.
function aggregateFigures(answer: AggregateAnswer, cell: AggregateCell): HTMLTableCellElement[] {
  if (cell.suppressed === undefined) {
    return [cell.workers, cell.units, cell.errors].map((n) => h("td", { class: "number" }, formatNumber(n ?? 0)));
  }
  const reason = suppressionReason(cell.suppressed, answer.min_group_size);
  return [
    h("td", { class: "suppressed", colspan: 3, "data-reason": cell.suppressed }, `${t("suppressedWord")} (${reason})`),
  ];
}

function suppressionReason(reason: string, k: number): string {
  switch (reason) {
    case "below_min_group":
      return t("below_min_group", { k });
    case "differencing":
      return t("differencing");
    case "complementary":
      return t("complementary");
    default:
      return reason;
  }
}
