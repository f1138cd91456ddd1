// The pages' router: hash routes ("#/floor"), role-aware navigation, the language switch.
// One HTML entry point keeps the server's part to serving files (web_assets.h).
import "./style.css";
import { h, replace } from "./dom";
import { language, setLanguage, strings } from "./i18n";
import { go } from "./nav";
import type { Page, PageContext } from "./page";
import { adminPage } from "./pages/admin";
import { dashboardsPage } from "./pages/dashboards";
import { floorPage } from "./pages/floor";
import { myDataPage } from "./pages/mydata";
import { privacyPage } from "./pages/privacy";
import { scannerPage } from "./pages/scanner";
import { signInPage } from "./pages/signin";
import { currentSession, forgetSession, type Role, signOut } from "./session";

const t = strings({
  en: {
    brand: "Entrepôt",
    nav: "Pages",
    signOut: "Sign out",
    signedInAs: "{name} ({role})",
    language: "Français",
    notAllowed: "Your role does not open this page.",
  },
  fr: {
    brand: "Entrepôt",
    nav: "Pages",
    signOut: "Se déconnecter",
    signedInAs: "{name} ({role})",
    language: "English",
    notAllowed: "Votre rôle ne donne pas accès à cette page.",
  },
});

const pages: Page[] = [floorPage, dashboardsPage, myDataPage, privacyPage, adminPage, scannerPage, signInPage];

// Where each role lands after signing in.
const home: Record<Role, string> = {
  admin: "admin",
  site_manager: "dashboards",
  supervisor: "floor",
  hr: "me",
  dpo: "privacy",
  worker: "me",
};

let leave: (() => void) | void = undefined;
let routes = 0; // Counts route changes: a page still rendering after the next one started is closed.

function currentPath(): string {
  return location.hash.replace(/^#\/?/, "").split("?")[0] || "";
}

function allowed(page: Page, role: Role | null): boolean {
  return page.roles === "public" || (role !== null && page.roles.includes(role));
}

function renderHeader(active: Page | undefined): void {
  const session = currentSession();
  const top = document.getElementById("top")!;
  const links = pages
    .filter((page) => page.roles !== "public" && session !== null && allowed(page, session.role))
    .map((page) =>
      h(
        "li",
        {},
        h("a", { href: `#/${page.path}`, "aria-current": page === active ? "page" : undefined }, page.title()),
      ),
    );
  replace(
    top,
    h(
      "nav",
      { "aria-label": t("nav") },
      h("span", { class: "brand" }, t("brand")),
      h("ul", {}, ...links),
      h(
        "div",
        { class: "tools" },
        session ? h("span", { class: "who" }, t("signedInAs", { name: session.name, role: session.role })) : null,
        h(
          "button",
          { type: "button", class: "link", onclick: switchLanguage, lang: language() === "en" ? "fr" : "en" },
          t("language"),
        ),
        session
          ? h(
              "button",
              { type: "button", class: "link", onclick: () => void signOut().then(() => go("signin")) },
              t("signOut"),
            )
          : null,
      ),
    ),
  );
}

function switchLanguage(): void {
  setLanguage(language() === "en" ? "fr" : "en");
  void route();
}

async function route(): Promise<void> {
  if (typeof leave === "function") leave();
  leave = undefined;
  const session = currentSession();
  const path = currentPath() || (session ? home[session.role] : "signin");
  const page = pages.find((candidate) => candidate.path === path);
  const root = document.getElementById("main")!;
  replace(root);
  if (!page || (!allowed(page, session?.role ?? null) && !session)) {
    renderHeader(undefined);
    go(session ? home[session.role] : "signin");
    return;
  }
  renderHeader(page);
  document.title = `${page.title()} · Entrepôt`;
  document.body.dataset.page = page.path;
  if (!allowed(page, session?.role ?? null)) {
    replace(root, h("h1", {}, page.title()), h("p", { class: "error", role: "alert" }, t("notAllowed")));
    return;
  }
  // Each page draws into its own area: one still rendering when the next starts draws into
  // a detached element, never over the new page.
  const area = h("div", {});
  replace(root, area);
  const routeNumber = ++routes;
  const context: PageContext = {
    root: area,
    session,
    sessionEnded: () => {
      forgetSession();
      go("signin");
    },
  };
  const cleanup = await page.render(context);
  if (routeNumber !== routes) {
    if (typeof cleanup === "function") cleanup();
    return;
  }
  leave = cleanup;
  root.focus({ preventScroll: true });
}

// The skip link moves the focus to the page's content (as a hash link it would be routed).
document.querySelector(".skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main")?.focus();
});

// Keeps the pages loadable offline (public/sw.js); the scanner's queue needs the page.
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/sw.js").catch(() => undefined);
}

setLanguage(language());
window.addEventListener("hashchange", () => void route());
void route();
