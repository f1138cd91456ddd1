// The live floor, for supervisors: the flow of units per zone and process, the backlog
// against each carrier cut-off and the orders at risk, kept live by the event feed
// (Server-Sent Events). It counts work, never people; the one view of individuals is the
// team panel, which the server opens only where the policy allows it (the supervisor's own
// shift and zone, today: IND-04, IND-05).
import { ApiError, getJson } from "../api";
import { h, replace, table } from "../dom";
import { errorBox } from "../errors";
import { formatNumber, formatTime, strings } from "../i18n";
import type { Page, PageContext } from "../page";
import { EventStream } from "../sse";
import type { CutoffAnswer, FlowAnswer } from "../api_types";

const t = strings({
  en: {
    title: "Live floor",
    live: "Live",
    reconnecting: "Reconnecting…",
    events: "Events since opened: {count}",
    flow: "Flow in the last 15 minutes",
    zone: "Zone",
    process: "Process",
    units: "Units",
    movements: "Movements",
    totalUnits: "Units moved",
    noFlow: "No movement in the window.",
    none: "(none)",
    cutoffs: "Backlog against cut-offs",
    carrier: "Carrier",
    cutoff: "Cut-off",
    orders: "Orders",
    left: "Work left",
    picked: "Picked",
    packed: "Packed",
    shipped: "Shipped",
    projected: "Projected",
    risk: "Risk",
    atRisk: "at risk",
    onTrack: "on track",
    throughput: "Throughput: {rate} units/min (last hour)",
    noCutoffs: "No open cut-off.",
    atRiskOrders: "Orders at risk",
    noAtRisk: "No order at risk.",
    team: "My team (own shift and zone, today)",
    teamIntro: "Shown only when today's rota names you supervisor of this shift and zone.",
    shift: "Shift",
    show: "Show",
    worker: "Worker",
    currentTask: "Current task",
    errors: "Errors",
  },
  fr: {
    title: "Atelier en direct",
    live: "En direct",
    reconnecting: "Reconnexion…",
    events: "Événements depuis l'ouverture : {count}",
    flow: "Flux des 15 dernières minutes",
    zone: "Zone",
    process: "Processus",
    units: "Unités",
    movements: "Mouvements",
    totalUnits: "Unités déplacées",
    noFlow: "Aucun mouvement sur la période.",
    none: "(aucune)",
    cutoffs: "Charge restante par heure limite",
    carrier: "Transporteur",
    cutoff: "Heure limite",
    orders: "Commandes",
    left: "Reste à faire",
    picked: "Préparé",
    packed: "Emballé",
    shipped: "Expédié",
    projected: "Prévu",
    risk: "Risque",
    atRisk: "en retard",
    onTrack: "dans les temps",
    throughput: "Débit : {rate} unités/min (dernière heure)",
    noCutoffs: "Aucune heure limite ouverte.",
    atRiskOrders: "Commandes en retard",
    noAtRisk: "Aucune commande en retard.",
    team: "Mon équipe (mon poste et ma zone, aujourd'hui)",
    teamIntro: "Visible seulement si le planning du jour vous nomme responsable de ce poste et de cette zone.",
    shift: "Poste",
    show: "Afficher",
    worker: "Personne",
    currentTask: "Tâche en cours",
    errors: "Erreurs",
  },
});

const kRefreshMs = 2000;

class Floor {
  private readonly state = h("p", { id: "stream-state", class: "badge", role: "status" }, t("reconnecting"));
  private readonly counter = h("p", { id: "event-count", class: "muted" }, t("events", { count: 0 }));
  private readonly flow = h("section", { id: "flow", "aria-live": "polite" });
  private readonly cutoffs = h("section", { id: "cutoffs" });
  private stream: EventStream | null = null;
  private events = 0;
  private pending = 0;

  constructor(private readonly context: PageContext) {}

  start(): void {
    replace(
      this.context.root,
      h("h1", {}, t("title")),
      h("div", { class: "cards" }, this.state, this.counter),
      this.flow,
      this.cutoffs,
      this.teamPanel(),
    );
    void this.refresh();
    this.stream = new EventStream(
      "/api/v1/events",
      this.token(),
      () => this.onEvent(),
      (connected) => this.onState(connected),
    );
    this.stream.start();
  }

  stop(): void {
    this.stream?.close();
    window.clearTimeout(this.pending);
  }

  private token(): string {
    return this.context.session!.token;
  }

  private onState(connected: boolean): void {
    this.state.textContent = connected ? t("live") : t("reconnecting");
    this.state.className = connected ? "badge ok" : "badge";
  }

  // Many events a second arrive on a busy floor: refresh at most every kRefreshMs.
  private onEvent(): void {
    this.events += 1;
    this.counter.textContent = t("events", { count: formatNumber(this.events) });
    if (this.pending === 0) {
      this.pending = window.setTimeout(() => {
        this.pending = 0;
        void this.refresh();
      }, kRefreshMs);
    }
  }

  private async refresh(): Promise<void> {
    await Promise.all([this.refreshFlow(), this.refreshCutoffs()]);
  }

  private async refreshFlow(): Promise<void> {
    try {
      const flow = await getJson<FlowAnswer>("/api/v1/flow?window=15m", { token: this.token() });
      const rows = flow.flows.map((cell) => [
        cell.zone ?? t("none"),
        cell.process,
        formatNumber(cell.units),
        formatNumber(cell.movements),
      ]);
      replace(
        this.flow,
        h("h2", {}, t("flow")),
        h(
          "p",
          { class: "card" },
          t("totalUnits"),
          ": ",
          h("span", { class: "figure", id: "flow-units" }, formatNumber(flow.totals.units)),
        ),
        rows.length
          ? h(
              "div",
              { class: "table-wrap" },
              table(t("flow"), [t("zone"), t("process"), t("units"), t("movements")], rows),
            )
          : h("p", {}, t("noFlow")),
      );
    } catch (error) {
      this.fail(this.flow, error);
    }
  }

  private async refreshCutoffs(): Promise<void> {
    try {
      const answer = await getJson<CutoffAnswer>("/api/v1/cutoffs", { token: this.token() });
      const rows = answer.cutoffs.map((c) => [
        c.carrier,
        formatTime(Date.parse(c.cutoff)),
        formatNumber(c.orders),
        formatNumber(c.units),
        formatNumber(c.picked),
        formatNumber(c.packed),
        formatNumber(c.shipped),
        formatNumber(c.work_left),
        c.projected_completion ? formatTime(Date.parse(c.projected_completion)) : "—",
        h("span", { class: c.at_risk ? "badge bad" : "badge ok" }, c.at_risk ? t("atRisk") : t("onTrack")),
      ]);
      replace(
        this.cutoffs,
        h("h2", {}, t("cutoffs")),
        h(
          "p",
          {},
          t("throughput", { rate: answer.units_per_minute === null ? "—" : formatNumber(answer.units_per_minute) }),
        ),
        rows.length
          ? h(
              "div",
              { class: "table-wrap" },
              table(
                t("cutoffs"),
                [
                  t("carrier"),
                  t("cutoff"),
                  t("orders"),
                  t("units"),
                  t("picked"),
                  t("packed"),
                  t("shipped"),
                  t("left"),
                  t("projected"),
                  t("risk"),
                ],
                rows,
              ),
            )
          : h("p", {}, t("noCutoffs")),
        h("h2", {}, t("atRiskOrders")),
        answer.at_risk.length
          ? h("ul", { id: "at-risk" }, ...answer.at_risk.map((id) => h("li", {}, id)))
          : h("p", {}, t("noAtRisk")),
      );
    } catch (error) {
      this.fail(this.cutoffs, error);
    }
  }

  private teamPanel(): HTMLElement {
    const shift = h("input", { id: "team-shift", required: true });
    const zone = h("input", { id: "team-zone", required: true });
    const result = h("div", {});
    const form = h(
      "form",
      {},
      h("label", { for: "team-shift" }, t("shift")),
      shift,
      h("label", { for: "team-zone" }, t("zone")),
      zone,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("show"))),
      result,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const query = new URLSearchParams({
        purpose: "flow_management",
        shift: shift.value.trim(),
        zone: zone.value.trim(),
      });
      try {
        const team = await getJson<{
          workers: {
            worker: string | null;
            units: number;
            current_task: unknown;
            errors_per_cause: Record<string, number>;
          }[];
        }>(`/api/v1/labor/team?${query}`, { token: this.token() });
        const rows = team.workers.map((w) => [
          w.worker ?? "—",
          formatNumber(w.units),
          describeTask(w.current_task),
          Object.entries(w.errors_per_cause)
            .map(([cause, n]) => `${cause}: ${n}`)
            .join(", "),
        ]);
        replace(result, table(t("team"), [t("worker"), t("units"), t("currentTask"), t("errors")], rows));
      } catch (error) {
        this.fail(result, error);
      }
    });
    return h("section", {}, h("h2", {}, t("team")), h("p", { class: "muted" }, t("teamIntro")), form);
  }

  private fail(where: HTMLElement, error: unknown): void {
    if (error instanceof ApiError && error.status === 401) this.context.sessionEnded();
    else replace(where, errorBox(error));
  }
}

function describeTask(task: unknown): string {
  if (task && typeof task === "object") {
    const { process, zone } = task as { process?: string; zone?: string };
    return [process, zone].filter(Boolean).join(" · ");
  }
  return "—";
}

export const floorPage: Page = {
  path: "floor",
  title: () => t("title"),
  roles: ["admin", "site_manager", "supervisor"],
  render: async (context) => {
    const floor = new Floor(context);
    floor.start();
    return () => floor.stop();
  },
};
