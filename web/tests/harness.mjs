// What the browser tests stand on: a real `entrepot serve` on a temporary site (SQLite),
// accounts and a device made with the real command line, and Debian's Chromium driven by
// playwright-core. Nothing is mocked.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const webDir = resolve(here, "..");
const binary = process.env.ENTREPOT_BINARY ?? resolve(webDir, "../build/release/src/entrepot/cli/entrepot");
const chromiumPath = process.env.ENTREPOT_CHROMIUM ?? "/usr/bin/chromium";
export const screenshotDir = process.env.ENTREPOT_SCREENSHOTS ?? join(webDir, "test-results");

export const kProducts = ["09506000134352", "09506000134369", "09506000134376", "09506000134383"];
export const kPassword = "correct horse battery staple";

// The site's internal labels (docs/LABELS.md): kind, code and the ISO/IEC 7064 MOD 37,36 check.
export function label(kind, code) {
  const value = (c) => (c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55);
  let p = 36;
  for (const c of (kind + code).replace(/-/g, "")) {
    let s = (p + value(c)) % 36;
    if (s === 0) s = 36;
    p = (s * 2) % 37;
  }
  const check = (37 - p) % 36;
  return `${kind}.${code}.${check < 10 ? check : String.fromCharCode(55 + check)}`;
}

function layoutToml() {
  let text = '[site]\ncode = "FR-WEB1"\nname = "Web test site"\n\n';
  text +=
    '[[zones]]\ncode = "INB"\nname = "Inbound"\n[[zones]]\ncode = "A"\nname = "Stow A"\n[[zones]]\ncode = "OUT"\nname = "Outbound"\n\n';
  text += '[[locations]]\ncode = "DOCK-01"\nzone = "INB"\ntype = "dock"\n\n';
  text += '[[locations]]\ncode = "DOOR-01"\nzone = "OUT"\ntype = "outbound_door"\n\n';
  text +=
    '[[location_ranges]]\nzone = "A"\ntype = "stow_bin"\naisles = [1, 2]\nbays = [1, 5]\nlevels = [1, 1]\ncapacity = 0\n\n';
  for (const gtin of kProducts)
    text += `[[products]]\ngtin = "${gtin}"\ndescription = "Product ${gtin}"\nhome_zone = "A"\n\n`;
  text += '[[container_ranges]]\ntype = "tote"\nprefix = "T"\nfrom = 1\nto = 20\ndigits = 4\n';
  return text;
}

function run(args, input) {
  const result = spawnSync(binary, args, { input, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`entrepot ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

// A site served on a free loopback port, with one account per role and a handheld.
export class Site {
  static async start() {
    const site = new Site();
    site.dir = mkdtempSync(join(tmpdir(), "entrepot-web-"));
    const layout = join(site.dir, "layout.toml");
    writeFileSync(layout, layoutToml());
    run(["init", "--data", join(site.dir, "data"), "--layout", layout]);
    for (const [login, role] of [
      ["ada", "admin"],
      ["sam", "supervisor"],
      ["mia", "site_manager"],
      ["dora", "dpo"],
      ["wim", "worker"],
    ]) {
      run(
        ["user", "add", "--data", join(site.dir, "data"), "--login", login, "--role", role, "--password-stdin"],
        kPassword + "\n",
      );
    }
    site.deviceToken = run(["device", "add", "--data", join(site.dir, "data"), "--name", "HH-01"])
      .trim()
      .split(/\s+/)
      .pop();
    await site.serve();
    return site;
  }

  async serve() {
    this.server = spawn(
      binary,
      ["serve", "--data", join(this.dir, "data"), "--listen", "127.0.0.1:0", "--web", join(webDir, "dist")],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.url = await new Promise((resolveUrl, reject) => {
      let seen = "";
      this.server.stdout.on("data", (chunk) => {
        seen += chunk;
        const match = seen.match(/listening on (http:\/\/\S+)/);
        if (match) resolveUrl(match[1]);
      });
      this.server.on("exit", (code) => reject(new Error(`entrepot serve exited with ${code}: ${seen}`)));
    });
  }

  async stop() {
    if (this.server && this.server.exitCode === null) {
      const exited = new Promise((done) => this.server.on("exit", done));
      this.server.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // The API, as a test calls it directly (setting up what a page then shows).
  async api(path, { method = "GET", token, body, contentType = "application/json" } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = contentType;
    const response = await fetch(this.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // NDJSON or empty.
    }
    return { status: response.status, json, text };
  }

  async login(login) {
    const answer = await this.api("/api/v1/login", { method: "POST", body: { login, password: kPassword } });
    if (answer.status !== 200) throw new Error(`login ${login}: ${answer.text}`);
    return answer.json.token;
  }
}

export async function launchBrowser() {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Root in a container has no sandbox to use; the network flags keep Chromium from
    // calling out on a closed network.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

// Signs in on the sign-in page, as a person would.
export async function signIn(page, url, login) {
  await page.goto(`${url}/#/signin`);
  await page.getByLabel(/^(Login|Identifiant)$/).fill(login);
  await page.getByLabel(/^(Password|Mot de passe)$/).fill(kPassword);
  await page.getByRole("button", { name: /^(Sign in|Se connecter)$/ }).click();
  await page.waitForFunction(() => !location.hash.startsWith("#/signin"));
}
