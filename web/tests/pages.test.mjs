// The web pages end to end: Debian's Chromium, headless, against a real `entrepot serve`.
// Run by ctest (web_pages_test) after tools/build_web.sh built web/dist; screenshots of each
// page go to $ENTREPOT_SCREENSHOTS (default web/test-results/).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { kPassword, kProducts, label, launchBrowser, screenshot, signIn, Site } from "./harness.mjs";

const kDock = label("L", "DOCK-01");
const kBin = label("L", "A-01-001-1-1");
const kOtherBin = label("L", "A-01-002-1-1");
const kNoSuchBin = label("L", "A-09-009-1-1");
const kTote = label("C", "T0001");
const kItem = `(01)${kProducts[0]}`;
const kBadge = label("B", "W-0117");
// Accepted: "reverify" is accepted too (two stows came faster than the bin check allows; the
// bin is flagged for a count, never the person).
const kAccepted = /^(ok|reverify)$/;

let site;
let browser;
let adminToken;

before(async () => {
  site = await Site.start();
  browser = await launchBrowser();
  adminToken = await site.login("ada");
  const badge = await site.api("/api/v1/users/wim", { method: "PATCH", token: adminToken, body: { badge: kBadge } });
  assert.equal(badge.status, 200, badge.text);
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

// Types a code into the scanner as a wedge does (keys, then Enter) and returns the answer.
async function scan(page, code) {
  await page.evaluate(() => {
    const feedback = document.querySelector("#feedback");
    if (feedback) delete feedback.dataset.outcome;
  });
  const input = page.getByLabel(/Scan or type a code/);
  await input.fill(code);
  await input.press("Enter");
  await page.waitForFunction(() => document.querySelector("#feedback")?.dataset.outcome);
  return page.locator("#feedback").getAttribute("data-outcome");
}

async function chooseMode(page, name) {
  const change = page.getByRole("button", { name: "Change mode" });
  if (await change.isVisible()) await change.click();
  await page.getByRole("button", { name, exact: true }).click();
}

async function stockAt(location) {
  const answer = await site.api(`/api/v1/locations/${location}/stock`, { token: adminToken });
  assert.equal(answer.status, 200, answer.text);
  return answer.json;
}

function unitsIn(stock) {
  return (
    JSON.stringify(stock)
      .match(/"quantity":(\d+)/g)
      ?.reduce((sum, part) => sum + Number(part.split(":")[1]), 0) ?? 0
  );
}

describe("serving", () => {
  test("the server serves the pages with a strict content policy, and nothing else", async () => {
    const index = await fetch(`${site.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /text\/html/);
    assert.match(index.headers.get("content-security-policy"), /default-src 'self'/);
    assert.equal(index.headers.get("x-content-type-options"), "nosniff");
    const script = (await index.text()).match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const asset = await fetch(site.url + script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("cache-control"), /immutable/);
    const missing = await site.api("/assets/none.js");
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "not_found");
    const traversal = await site.api("/%2e%2e/layout.toml");
    assert.equal(traversal.status, 404);
    assert.equal((await site.api("/api/v1/stock")).status, 401, "the API is not shadowed by the pages");
  });
});

describe("scanner", () => {
  let context;
  let page;

  before(async () => {
    context = await browser.newContext({ viewport: { width: 400, height: 800 }, locale: "en-GB" });
    page = await context.newPage();
  });
  after(async () => context?.close());

  test("a worker signs in by badge, acknowledges the notice, receives, stows and picks", async () => {
    await page.goto(`${site.url}/#/scanner`);
    await page.getByLabel("Device token").fill(site.deviceToken);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByLabel("Badge").fill(kBadge);
    await page.getByLabel("Badge").press("Enter");
    await page.getByRole("heading", { name: /Before you start/ }).waitFor();
    await screenshot(page, "scanner-notice");
    await page.getByRole("button", { name: "I have read this notice" }).click();

    await chooseMode(page, "Receive");
    assert.equal(await scan(page, kDock), "ok");
    for (let i = 0; i < 4; ++i) assert.match(await scan(page, kItem), kAccepted);

    await chooseMode(page, "Stow");
    assert.equal(await scan(page, kDock), "ok");
    assert.match(await scan(page, kItem), kAccepted);
    assert.match(await scan(page, kBin), kAccepted);
    assert.match(await scan(page, kItem), kAccepted);
    assert.equal(await scan(page, kNoSuchBin), "unknown_location");
    assert.match(await page.locator("#feedback").getAttribute("class"), /\bbad\b/);
    await screenshot(page, "scanner-wrong-bin");
    assert.match(await scan(page, kBin), kAccepted);
    assert.match(await page.locator("#feedback").getAttribute("class"), /\bok\b/);

    await chooseMode(page, "Pick");
    assert.equal(await scan(page, kTote), "ok");
    assert.match(await scan(page, kBin), kAccepted);
    assert.match(await scan(page, kItem), kAccepted);
    await screenshot(page, "scanner-pick");
    assert.equal(unitsIn(await stockAt("A-01-001-1-1")), 1);
  });

  test("a wedge's GS separator (Ctrl+]) reaches the server inside the element string", async () => {
    await chooseMode(page, "Receive");
    assert.equal(await scan(page, kDock), "ok");
    const input = page.getByLabel(/Scan or type a code/);
    await input.pressSequentially(`01${kProducts[1]}10LOT7`);
    await input.press("Control+]");
    await input.pressSequentially("17271231");
    assert.equal(await input.inputValue(), `01${kProducts[1]}10LOT7\u001d17271231`);
    await page.evaluate(() => delete document.querySelector("#feedback").dataset.outcome);
    await input.press("Enter");
    await page.waitForFunction(() => document.querySelector("#feedback")?.dataset.outcome);
    assert.equal(await page.locator("#feedback").getAttribute("data-outcome"), "ok");
    const dock = JSON.stringify(await stockAt("DOCK-01"));
    assert.match(dock, /"lot":"LOT7"/);
    assert.match(dock, /"expiry":"2027-12-31"/);
  });

  test("scans made offline queue on the handheld and sync once, with no duplicate", async () => {
    await chooseMode(page, "Stow");
    assert.equal(await scan(page, kDock), "ok");
    await context.setOffline(true);
    for (const code of [kItem, kOtherBin]) assert.equal(await scan(page, code), "queued");
    await page.waitForFunction(() => document.querySelector("#queue-count")?.dataset.count === "2");
    await screenshot(page, "scanner-offline");
    // The first batch reaches the server but its answer is lost: the handheld must send it
    // again, and the idempotency keys make the second time change nothing.
    let lost = 0;
    await page.route(
      "**/api/v1/scans/batch",
      async (route) => {
        await route.fetch();
        lost += 1;
        await route.abort("connectionreset");
      },
      { times: 1 },
    );
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelector("#queue-count")?.dataset.count === "0", null, {
      timeout: 20_000,
    });
    assert.equal(lost, 1);
    await page.locator("#sync-report").waitFor();
    assert.equal(unitsIn(await stockAt("A-01-002-1-1")), 1);
  });

  test("a handheld reloaded offline still opens the scanner, and its scans still sync", async () => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    const atDock = unitsIn(await stockAt("DOCK-01"));
    await context.setOffline(true);
    await page.reload();
    await chooseMode(page, "Receive");
    assert.equal(await scan(page, kDock), "queued");
    assert.equal(await scan(page, kItem), "queued");
    await screenshot(page, "scanner-reloaded-offline");
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelector("#queue-count")?.dataset.count === "0", null, {
      timeout: 20_000,
    });
    assert.equal(unitsIn(await stockAt("DOCK-01")), atDock + 1, "the unit received offline is in stock once");
  });
});

describe("pages for people", () => {
  let context;
  let page;

  before(async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: "en-GB",
      acceptDownloads: true,
    });
    page = await context.newPage();
  });
  after(async () => context?.close());

  test("a supervisor sees the flow update live", async () => {
    await signIn(page, site.url, "sam");
    await page.goto(`${site.url}/#/floor`);
    await page.locator("#stream-state", { hasText: "Live" }).waitFor();
    await page.locator("#flow-units").waitFor();
    const before = Number((await page.locator("#flow-units").textContent()).replace(/\D/g, ""));
    const record = (n, code) => JSON.stringify({ id: `web-floor-${n}`, device: "HH-01", mode: "receive", code });
    const batch = [record(1, kDock), record(2, kItem), record(3, kItem)].join("\n") + "\n";
    const sent = await site.api("/api/v1/scans/batch", {
      method: "POST",
      token: site.deviceToken,
      body: batch,
      contentType: "application/x-ndjson",
    });
    assert.equal(sent.status, 200, sent.text);
    await page.waitForFunction(
      (units) => Number(document.querySelector("#flow-units")?.textContent.replace(/\D/g, "")) >= units + 2,
      before,
      { timeout: 15_000 },
    );
    await screenshot(page, "floor");
  });

  test("a site manager sees a suppressed cell as suppressed, not as zero", async () => {
    await signIn(page, site.url, "mia");
    await page.goto(`${site.url}/#/dashboards`);
    const cell = page.locator(".suppressed").first();
    await cell.waitFor();
    assert.match(await cell.textContent(), /suppressed/i);
    await screenshot(page, "dashboards");
  });

  test("a worker exports their own data", async () => {
    await signIn(page, site.url, "wim");
    await page.goto(`${site.url}/#/me`);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: /Export my data/ }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /wim/);
    const exported = JSON.parse(readFileSync(await file.path(), "utf8"));
    assert.ok(exported.today, "the export holds today's labor data");
    await screenshot(page, "my-data");
  });

  test("a DPO sees the policy report", async () => {
    await signIn(page, site.url, "dora");
    await page.goto(`${site.url}/#/privacy`);
    await page.getByText("RET-01").first().waitFor();
    const ret01 = page.locator("tr", { has: page.getByText("RET-01", { exact: true }) });
    assert.match(await ret01.locator(".badge").textContent(), /pass/);
    await page.locator("#audit-verified").waitFor(); // The audit log's chain, verified.
    await screenshot(page, "privacy-office");
  });

  test("a person signs in with the keyboard alone", async () => {
    await page.goto(`${site.url}/#/signin`);
    await page.keyboard.press("Tab"); // The skip link comes first.
    await page.keyboard.press("Tab");
    const focused = () => page.evaluate(() => document.activeElement?.id ?? "");
    while ((await focused()) !== "login") await page.keyboard.press("Tab");
    await page.keyboard.type("sam");
    await page.keyboard.press("Tab");
    await page.keyboard.type(kPassword);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Live floor" }).waitFor();
  });

  test("every page reflows at 200% zoom: nothing scrolls sideways", async () => {
    // A 1280 px window at 200% is 640 CSS pixels wide.
    await page.setViewportSize({ width: 640, height: 900 });
    for (const [login, route, heading] of [
      ["sam", "floor", "Live floor"],
      ["mia", "dashboards", "Dashboards"],
      ["wim", "me", "My data"],
      ["dora", "privacy", "Privacy office"],
      ["ada", "admin", "Administration"],
    ]) {
      await signIn(page, site.url, login);
      await page.goto(`${site.url}/#/${route}`);
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `#/${route} is ${overflow} px wider than the window`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test("an admin sees the accounts, in French too", async () => {
    await signIn(page, site.url, "ada");
    await page.goto(`${site.url}/#/admin`);
    await page.getByRole("heading", { name: "Administration" }).waitFor();
    await page.getByText("wim").first().waitFor();
    await screenshot(page, "admin");
    await page.getByRole("button", { name: "Français" }).click();
    await page.getByRole("button", { name: "Se déconnecter" }).waitFor();
  });
});
