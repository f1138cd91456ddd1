// The scanner page, for a handheld's browser (360-480 px, gloves, noise). The handheld
// signs in with its device token once; a worker then signs in with their badge and must
// acknowledge the privacy notice before any scan (TRN-01). Scans arrive as keyboard-wedge
// input (keys then Enter; the GS separator, sent as Ctrl+], is kept) or typed. Each answer
// is shown large, green or red, with a sound. When the network is cut, scans wait in
// IndexedDB with their idempotency keys and go as one batch when it returns.
import { ApiError, NetworkError } from "../api";
import { beep } from "../beep";
import { announce, h, replace } from "../dom";
import { errorBox, errorText } from "../errors";
import { language, strings } from "../i18n";
import type { Page } from "../page";
import { ScanQueue, type ScanRecord } from "../scan_queue";
import * as device_api from "../scanner_device";

const t = strings({
  en: {
    title: "Scanner",
    setupIntro:
      "This handheld is not set up. Paste its device token (Administration, Devices, or `entrepot device add`).",
    token: "Device token",
    save: "Save",
    notDeviceToken: "This is a person's token: use a device token.",
    badgePrompt: "Scan your badge",
    badge: "Badge",
    signIn: "Sign in",
    noticeTitle: "Before you start: how your data is used",
    acknowledge: "I have read this notice",
    modes: "Choose a mode",
    receive: "Receive",
    stow: "Stow",
    pick: "Pick",
    pack: "Pack",
    move: "Move",
    ship: "Ship",
    count: "Count",
    promptReceive: "Scan the dock or the pallet to receive into",
    promptStow: "Scan the tote to stow from",
    promptPick: "Scan the tote to pick into",
    promptPack: "Scan the tote to pack from",
    promptMove: "Scan the container to move",
    promptShip: "Scan the outbound door",
    promptCount: "Scan the bin to count",
    scan: "Scan or type a code, then Enter",
    changeMode: "Change mode",
    signOut: "Sign out",
    device: "Device {name}",
    waiting: "Waiting to send: {count}",
    online: "Online",
    offline: "Offline",
    queued: "Saved on the handheld. It will be sent when the network returns.",
    queueFull: "The handheld holds {count} scans waiting: scan again once the network is back.",
    synced: "Sent {count} scans saved offline.",
    syncedRefused: "{count} of them were refused:",
    modeChanged: "Mode: {mode}",
    noticeRequired: "Read and confirm the notice first, then scan again: that scan was not recorded.",
    retry: "Try again",
  },
  fr: {
    title: "Scanner",
    setupIntro:
      "Ce terminal n'est pas configuré. Collez son jeton d'appareil (Administration, Appareils, ou `entrepot device add`).",
    token: "Jeton d'appareil",
    save: "Enregistrer",
    notDeviceToken: "Ce jeton est celui d'une personne : utilisez un jeton d'appareil.",
    badgePrompt: "Scannez votre badge",
    badge: "Badge",
    signIn: "Se connecter",
    noticeTitle: "Avant de commencer : l'usage de vos données",
    acknowledge: "J'ai lu cette notice",
    modes: "Choisissez un mode",
    receive: "Réception",
    stow: "Rangement",
    pick: "Préparation",
    pack: "Emballage",
    move: "Déplacement",
    ship: "Expédition",
    count: "Inventaire",
    promptReceive: "Scannez le quai ou la palette de réception",
    promptStow: "Scannez le bac à ranger",
    promptPick: "Scannez le bac de préparation",
    promptPack: "Scannez le bac à emballer",
    promptMove: "Scannez le contenant à déplacer",
    promptShip: "Scannez la porte d'expédition",
    promptCount: "Scannez l'emplacement à compter",
    scan: "Scannez ou tapez un code, puis Entrée",
    changeMode: "Changer de mode",
    signOut: "Se déconnecter",
    device: "Appareil {name}",
    waiting: "En attente d'envoi : {count}",
    online: "En ligne",
    offline: "Hors ligne",
    queued: "Enregistré sur le terminal. Il sera envoyé au retour du réseau.",
    queueFull: "Le terminal garde {count} scans en attente : scannez à nouveau au retour du réseau.",
    synced: "{count} scans enregistrés hors ligne ont été envoyés.",
    syncedRefused: "{count} d'entre eux ont été refusés :",
    modeChanged: "Mode : {mode}",
    noticeRequired: "Lisez et validez d'abord la notice, puis scannez à nouveau : ce scan n'a pas été enregistré.",
    retry: "Réessayer",
  },
});

const kModes = ["receive", "stow", "pick", "pack", "move", "ship", "count"] as const;
type Mode = (typeof kModes)[number];
const kPrompts: Record<Mode, Parameters<typeof t>[0]> = {
  receive: "promptReceive",
  stow: "promptStow",
  pick: "promptPick",
  pack: "promptPack",
  move: "promptMove",
  ship: "promptShip",
  count: "promptCount",
};
const kAccepted = new Set(["ok", "reverify"]);
const kBatchSize = 500;
const kSyncEveryMs = 3000;
const kGroupSeparator = "\u001d";
const kWorkerKey = "entrepot.scanner.worker"; // Set while a worker is signed in here.

class Scanner {
  private device = device_api.savedDevice();
  private queue: ScanQueue | null = null;
  private mode: Mode | null = null;
  private syncing = false;
  private timer = 0;
  private onNotice = false; // The notice is on screen.
  // Scans are handled one after the other, in the order they were made, even when the
  // wedge is faster than the network.
  private scans: Promise<void> = Promise.resolve();
  private readonly syncError = h("div", { id: "sync-error" });
  private readonly status = h("div", { class: "queue" });
  private readonly onOnline = () => void this.sync();

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    this.queue = await ScanQueue.open();
    window.addEventListener("online", this.onOnline);
    this.timer = window.setInterval(() => void this.sync(), kSyncEveryMs);
    // A reload (offline, say) keeps the worker signed in: the server's device session lasts
    // until they sign out.
    if (!this.device) this.showSetup();
    else if (sessionStorage.getItem(kWorkerKey)) this.showMenu();
    else this.showBadge();
    void this.sync();
  }

  stop(): void {
    window.removeEventListener("online", this.onOnline);
    window.clearInterval(this.timer);
  }

  private screen(...children: (Node | null)[]): void {
    this.onNotice = false;
    replace(this.syncError);
    replace(
      this.root,
      h("section", { class: "scanner" }, h("h1", {}, t("title")), this.status, this.syncError, ...children),
    );
    void this.showStatus();
  }

  private async showStatus(): Promise<void> {
    const waiting = this.queue ? await this.queue.count() : 0;
    replace(
      this.status,
      h("span", {}, this.device ? t("device", { name: this.device.name }) : ""),
      h("span", { id: "network" }, navigator.onLine ? t("online") : t("offline")),
      h("span", { id: "queue-count", "data-count": waiting }, t("waiting", { count: waiting })),
    );
  }

  private showSetup(): void {
    const token = h("input", { id: "device-token", autocomplete: "off", required: true });
    const message = h("div", {});
    const form = h(
      "form",
      {},
      h("p", {}, t("setupIntro")),
      h("label", { for: "device-token" }, t("token")),
      token,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("save"))),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        this.device = await device_api.registerDevice(token.value.trim());
        this.showBadge();
      } catch (error) {
        const known = error instanceof ApiError && error.code === "not_a_device_token";
        replace(message, known ? h("p", { class: "error", role: "alert" }, t("notDeviceToken")) : errorBox(error));
      }
    });
    this.screen(form);
    token.focus();
  }

  private showBadge(): void {
    const badge = h("input", { id: "badge", autocomplete: "off", inputmode: "none", required: true });
    const message = h("div", {});
    const form = h(
      "form",
      {},
      h("p", { class: "prompt" }, t("badgePrompt")),
      h("label", { for: "badge" }, t("badge")),
      badge,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("signIn"))),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const notice = await device_api.badgeSignIn(this.device!, badge.value.trim());
        if (notice && notice.required && !notice.acknowledged) {
          await this.showNotice();
        } else {
          sessionStorage.setItem(kWorkerKey, "1");
          this.showMenu();
        }
      } catch (error) {
        replace(message, errorBox(error));
        badge.select();
      }
    });
    this.screen(form);
    badge.focus();
  }

  // TRN-01: nothing is scanned until the signed-in worker confirms the notice. `why` says
  // why it is shown again (a scan refused for it).
  private async showNotice(why?: string): Promise<void> {
    this.onNotice = true;
    const message = h("div", {});
    let notice: device_api.Notice;
    try {
      notice = await this.fetchNotice();
    } catch (error) {
      const retry = h("button", { type: "button", onclick: () => void this.showNotice(why) }, t("retry"));
      const signOut = h(
        "button",
        { type: "button", class: "secondary", onclick: () => void this.signOut() },
        t("signOut"),
      );
      this.screen(errorBox(error), h("div", { class: "actions" }, retry, signOut));
      this.onNotice = true;
      return;
    }
    const button = h("button", { type: "button" }, t("acknowledge"));
    button.addEventListener("click", async () => {
      try {
        await device_api.acknowledgeNotice(this.device!, notice.version);
        sessionStorage.setItem(kWorkerKey, "1");
        this.showMenu();
        void this.sync();
      } catch (error) {
        replace(message, errorBox(error));
      }
    });
    this.screen(
      why ? h("p", { class: "error", role: "alert" }, why) : null,
      h("h2", {}, t("noticeTitle")),
      h("div", { class: "notice-text", tabindex: 0 }, ...noticeBody(notice)),
      h("div", { class: "actions" }, button),
      message,
    );
    this.onNotice = true;
    button.focus();
  }

  // The notice in the page's language, else in the first language the site offers it in.
  private async fetchNotice(): Promise<device_api.Notice> {
    try {
      return await device_api.fetchNotice(this.device!, language());
    } catch (error) {
      if (error instanceof ApiError && error.code === "bad_language") return device_api.fetchNotice(this.device!);
      throw error;
    }
  }

  private showMenu(): void {
    const buttons = kModes.map((mode) => h("button", { type: "button", onclick: () => this.showScan(mode) }, t(mode)));
    this.screen(
      h("h2", {}, t("modes")),
      h("div", { class: "modes" }, ...buttons),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => void this.signOut() }, t("signOut")),
      ),
    );
    buttons[0].focus();
  }

  private showScan(mode: Mode): void {
    this.mode = mode;
    const prompt = h("p", { class: "prompt", id: "prompt" }, t(kPrompts[mode]));
    const feedback = h("div", { class: "feedback", id: "feedback", role: "status" });
    const input = scanInput((code) => {
      // A failure shows and ends that scan only: the chain goes on with the next.
      this.scans = this.scans
        .then(() => this.scan(code, prompt, feedback))
        .catch((error) => show(feedback, "bad", errorText(error), "error"));
    });
    this.screen(
      h("h2", {}, t(mode)),
      prompt,
      h("label", { for: "scan-input" }, t("scan")),
      input,
      feedback,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => this.showMenu() }, t("changeMode")),
        h("button", { type: "button", class: "secondary", onclick: () => void this.signOut() }, t("signOut")),
      ),
    );
    announce(t("modeChanged", { mode: t(mode) }));
    input.focus();
  }

  private async scan(code: string, prompt: HTMLElement, feedback: HTMLElement): Promise<void> {
    const record: ScanRecord = {
      id: scanId(this.device!.name),
      device: this.device!.name,
      mode: this.mode!,
      code,
      at: new Date().toISOString(),
    };
    // Scans must reach the server in the order they were made: behind a queue, queue.
    if ((await this.queue!.count()) > 0) return this.enqueue(record, feedback);
    try {
      const reply = await device_api.sendScan(this.device!, record);
      show(feedback, kAccepted.has(reply.outcome) ? "ok" : "bad", reply.message, reply.outcome);
      if (reply.prompt) prompt.textContent = reply.prompt;
    } catch (error) {
      if (error instanceof NetworkError) return this.enqueue(record, feedback);
      if (error instanceof ApiError && error.code === "notice_not_acknowledged") {
        return this.showNotice(t("noticeRequired"));
      }
      show(feedback, "bad", errorText(error), error instanceof ApiError ? error.code : "error");
    }
  }

  private async enqueue(record: ScanRecord, feedback: HTMLElement): Promise<void> {
    const saved = await this.queue!.push(record);
    if (saved) show(feedback, "queued", t("queued"), "queued");
    else show(feedback, "bad", t("queueFull", { count: await this.queue!.count() }), "queue_full");
    await this.showStatus();
    void this.sync();
  }

  // Sends the waiting scans, oldest first, in batches; stops at the first network failure.
  private async sync(): Promise<void> {
    if (this.syncing || !this.device || !this.queue) return;
    this.syncing = true;
    const refused: string[] = [];
    let sent = 0;
    try {
      for (
        let queued = await this.queue.peek(kBatchSize);
        queued.length > 0;
        queued = await this.queue.peek(kBatchSize)
      ) {
        const lines = await device_api.sendBatch(
          this.device,
          queued.map((entry) => entry.record),
        );
        await this.queue.remove(queued.map((entry) => entry.order));
        sent += queued.length;
        for (const line of lines) {
          if (line.error) refused.push(line.error.message);
          else if (line.outcome && !kAccepted.has(line.outcome)) refused.push(line.message ?? line.outcome);
        }
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === "notice_not_acknowledged") {
        if (!this.onNotice) void this.showNotice(t("noticeRequired"));
      } else if (!(error instanceof NetworkError)) {
        replace(this.syncError, errorBox(error));
      }
    } finally {
      this.syncing = false;
    }
    if (sent > 0) this.reportSync(sent, refused);
    await this.showStatus();
  }

  private reportSync(sent: number, refused: string[]): void {
    const report = h(
      "div",
      { class: "notice", id: "sync-report", role: "status" },
      h("p", {}, t("synced", { count: sent })),
    );
    if (refused.length > 0) {
      report.append(
        h("p", {}, t("syncedRefused", { count: refused.length })),
        h("ul", {}, ...refused.map((text) => h("li", {}, text))),
      );
    }
    this.root.querySelector("#sync-report")?.remove();
    this.root.querySelector(".scanner")?.appendChild(report);
  }

  private async signOut(): Promise<void> {
    sessionStorage.removeItem(kWorkerKey);
    try {
      await device_api.badgeSignOut(this.device!);
    } catch {
      // Signed out on the handheld either way; the next badge replaces the session.
    }
    this.showBadge();
  }
}

// A text field that sends its code on Enter and keeps the GS separator: wedge scanners send
// it as Ctrl+] (a browser would drop the control character otherwise).
function scanInput(onCode: (code: string) => void): HTMLInputElement {
  const input = h("input", {
    id: "scan-input",
    class: "scan",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "]" && event.ctrlKey) {
      event.preventDefault();
      input.setRangeText(
        kGroupSeparator,
        input.selectionStart ?? input.value.length,
        input.selectionEnd ?? input.value.length,
        "end",
      );
    } else if (event.key === "Enter") {
      event.preventDefault();
      const code = input.value.trim();
      input.value = "";
      if (code) onCode(code);
    }
  });
  return input;
}

function show(feedback: HTMLElement, kind: "ok" | "bad" | "queued", text: string, outcome: string): void {
  feedback.className = `feedback ${kind}`;
  feedback.dataset.outcome = outcome;
  feedback.textContent = text;
  if (kind !== "queued") beep(kind === "ok");
}

// Unique per scan and stable across retries: the device's name, the time and a random part.
function scanId(device: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${device}-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function noticeBody(notice: device_api.Notice): Node[] {
  const paragraphs = (text: string) => text.split("\n\n").map((paragraph) => h("p", {}, paragraph));
  return [
    h("h3", {}, notice.title),
    ...paragraphs(notice.intro),
    ...notice.sections.flatMap((section) => [h("h3", {}, section.title), ...paragraphs(section.text)]),
  ];
}

export const scannerPage: Page = {
  path: "scanner",
  title: () => t("title"),
  roles: "public",
  render: async ({ root }) => {
    const scanner = new Scanner(root);
    await scanner.start();
    return () => scanner.stop();
  },
};
