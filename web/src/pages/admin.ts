// Administration: accounts, handheld devices, the layout (zones and locations) and products.
// Each form sends one API request and shows either the API's own message (errorBox) or a
// success line; the API decides every rule (docs/API.md), the page only collects fields.
import { ApiError, getJson, segment } from "../api";
import { h, replace } from "../dom";
import { errorBox } from "../errors";
import { formatDateTime, strings } from "../i18n";
import type { Page, PageContext } from "../page";
import type { Role } from "../session";

const t = strings({
  en: {
    title: "Administration",
    loading: "Loading…",
    yes: "yes",
    no: "no",
    required: "Fill in “{field}”.",
    // Accounts
    accounts: "Accounts",
    usersCaption: "Accounts of this site",
    login: "Login",
    name: "Name",
    role: "Role",
    badge: "Badge",
    status: "Status",
    created: "Created",
    actions: "Actions",
    active: "Active",
    disabled: "Disabled",
    edit: "Edit",
    createAccount: "Create an account",
    password: "Password",
    passwordHint: "At least 12 characters.",
    badgeOptional: "Badge code (optional)",
    badgeHint: "The code a handheld reads from the worker's badge to sign them in.",
    create: "Create the account",
    created_ok: "Account {login} created.",
    editAccount: "Change account {login}",
    newPassword: "New password (optional)",
    newPasswordHint: "Leave empty to keep the password. A new one signs the person out everywhere.",
    accountDisabled: "Account disabled (the person can no longer sign in)",
    newBadge: "New badge code (optional)",
    newBadgeHint: "Leave empty to keep the current badge. Current badge: {state}.",
    hasBadge: "set",
    noBadge: "none",
    removeBadge: "Remove the badge",
    save: "Save the changes",
    cancel: "Close without saving",
    saved: "Account {login} changed.",
    nothingChanged: "Nothing to change.",
    // Devices
    devices: "Devices",
    devicesNote:
      "The server has no list of devices yet: the devices registered from this browser tab are listed below until the tab is closed. Tokens are never kept.",
    deviceName: "Device name",
    deviceNameHint: "As printed on the handheld, for example HH-07.",
    register: "Register the device",
    registered: "Device {name} registered (id {id}).",
    token: "Token of {name}",
    tokenNote: "Copy this token into the handheld's scanner page now: it is shown only this once.",
    copy: "Copy the token",
    copied: "Token copied.",
    copyFailed: "Copying failed: select the token and copy it by hand.",
    sessionDevicesCaption: "Devices registered from this browser tab",
    id: "Id",
    registeredAt: "Registered",
    revoked: "Revoked",
    revoke: "Revoke",
    revokeById: "Revoke a device by id",
    deviceId: "Device id",
    revokeHint: "Revoking is immediate: the handheld stops working until it is registered again.",
    revokedOk: "Device {id} revoked.",
    noSessionDevices: "No device registered from this tab yet.",
    // Layout
    layout: "Layout",
    zonesCaption: "Zones",
    code: "Code",
    noZones: "The layout has no zone yet.",
    zoneForm: "Create or rename a zone",
    zoneCode: "Zone code",
    zoneName: "Zone name",
    saveZone: "Save the zone",
    findLocation: "Find a location",
    locationCode: "Location code or label",
    lookUp: "Look up",
    newLocation: "No location {code} yet: saving creates it.",
    editLocation: "Location {code}",
    zone: "Zone",
    type: "Type",
    capacity: "Capacity in units",
    capacityHint: "0 means unlimited.",
    aisle: "Aisle",
    bay: "Bay",
    level: "Level",
    position: "Position",
    coordinateHint: "0 means not set.",
    saveLocation: "Save the location",
    // Products
    products: "Products",
    findProduct: "Find a product",
    gtin: "GTIN",
    gtinHint: "8, 12, 13 or 14 digits.",
    newProduct: "No product {gtin} yet: saving creates it.",
    editProduct: "Product {gtin}",
    description: "Description",
    homeZone: "Home zone",
    noHomeZone: "(none)",
    saveProduct: "Save the product",
    // Outcomes of a PUT
    outcome_created: "{what} created.",
    outcome_updated: "{what} updated.",
    outcome_unchanged: "{what} unchanged: it already had these values.",
    zoneWhat: "Zone {code}",
    locationWhat: "Location {code}",
    productWhat: "Product {code}",
  },
  fr: {
    title: "Administration",
    loading: "Chargement…",
    yes: "oui",
    no: "non",
    required: "Remplissez « {field} ».",
    accounts: "Comptes",
    usersCaption: "Comptes de ce site",
    login: "Identifiant",
    name: "Nom",
    role: "Rôle",
    badge: "Badge",
    status: "État",
    created: "Créé le",
    actions: "Actions",
    active: "Actif",
    disabled: "Désactivé",
    edit: "Modifier",
    createAccount: "Créer un compte",
    password: "Mot de passe",
    passwordHint: "Au moins 12 caractères.",
    badgeOptional: "Code du badge (facultatif)",
    badgeHint: "Le code qu'un terminal lit sur le badge de la personne pour la connecter.",
    create: "Créer le compte",
    created_ok: "Compte {login} créé.",
    editAccount: "Modifier le compte {login}",
    newPassword: "Nouveau mot de passe (facultatif)",
    newPasswordHint: "Laissez vide pour garder le mot de passe. Un nouveau déconnecte la personne partout.",
    accountDisabled: "Compte désactivé (la personne ne peut plus se connecter)",
    newBadge: "Nouveau code de badge (facultatif)",
    newBadgeHint: "Laissez vide pour garder le badge actuel. Badge actuel : {state}.",
    hasBadge: "défini",
    noBadge: "aucun",
    removeBadge: "Retirer le badge",
    save: "Enregistrer les modifications",
    cancel: "Fermer sans enregistrer",
    saved: "Compte {login} modifié.",
    nothingChanged: "Rien à modifier.",
    devices: "Terminaux",
    devicesNote:
      "Le serveur ne donne pas encore la liste des terminaux : ceux enregistrés depuis cet onglet sont listés ci-dessous jusqu'à sa fermeture. Les jetons ne sont jamais conservés.",
    deviceName: "Nom du terminal",
    deviceNameHint: "Tel qu'imprimé sur le terminal, par exemple HH-07.",
    register: "Enregistrer le terminal",
    registered: "Terminal {name} enregistré (n° {id}).",
    token: "Jeton de {name}",
    tokenNote: "Copiez maintenant ce jeton dans la page scanner du terminal : il n'est affiché qu'une seule fois.",
    copy: "Copier le jeton",
    copied: "Jeton copié.",
    copyFailed: "La copie a échoué : sélectionnez le jeton et copiez-le à la main.",
    sessionDevicesCaption: "Terminaux enregistrés depuis cet onglet",
    id: "N°",
    registeredAt: "Enregistré le",
    revoked: "Révoqué",
    revoke: "Révoquer",
    revokeById: "Révoquer un terminal par son numéro",
    deviceId: "Numéro du terminal",
    revokeHint: "La révocation est immédiate : le terminal ne fonctionne plus jusqu'à un nouvel enregistrement.",
    revokedOk: "Terminal {id} révoqué.",
    noSessionDevices: "Aucun terminal enregistré depuis cet onglet.",
    layout: "Plan du site",
    zonesCaption: "Zones",
    code: "Code",
    noZones: "Le plan n'a encore aucune zone.",
    zoneForm: "Créer ou renommer une zone",
    zoneCode: "Code de la zone",
    zoneName: "Nom de la zone",
    saveZone: "Enregistrer la zone",
    findLocation: "Chercher un emplacement",
    locationCode: "Code ou étiquette de l'emplacement",
    lookUp: "Chercher",
    newLocation: "L'emplacement {code} n'existe pas encore : l'enregistrer le crée.",
    editLocation: "Emplacement {code}",
    zone: "Zone",
    type: "Type",
    capacity: "Capacité en unités",
    capacityHint: "0 signifie illimitée.",
    aisle: "Allée",
    bay: "Travée",
    level: "Niveau",
    position: "Position",
    coordinateHint: "0 signifie non renseigné.",
    saveLocation: "Enregistrer l'emplacement",
    products: "Produits",
    findProduct: "Chercher un produit",
    gtin: "GTIN",
    gtinHint: "8, 12, 13 ou 14 chiffres.",
    newProduct: "Le produit {gtin} n'existe pas encore : l'enregistrer le crée.",
    editProduct: "Produit {gtin}",
    description: "Description",
    homeZone: "Zone d'attache",
    noHomeZone: "(aucune)",
    saveProduct: "Enregistrer le produit",
    outcome_created: "{what} : créé.",
    outcome_updated: "{what} : mis à jour.",
    outcome_unchanged: "{what} : inchangé, les valeurs étaient déjà celles-ci.",
    zoneWhat: "Zone {code}",
    locationWhat: "Emplacement {code}",
    productWhat: "Produit {code}",
  },
});

const roleNames = strings({
  en: {
    admin: "Administrator",
    site_manager: "Site manager",
    supervisor: "Supervisor",
    hr: "Human resources",
    dpo: "Data protection officer",
    worker: "Worker",
  },
  fr: {
    admin: "Administrateur",
    site_manager: "Responsable de site",
    supervisor: "Chef d'équipe",
    hr: "Ressources humaines",
    dpo: "Délégué à la protection des données",
    worker: "Opérateur",
  },
});
const kRoles: Role[] = ["worker", "supervisor", "site_manager", "hr", "dpo", "admin"];

const typeNames = strings({
  en: {
    dock: "Dock",
    stow_bin: "Storage bin",
    pick_face: "Pick face",
    pack_station: "Pack station",
    outbound_door: "Outbound door",
  },
  fr: {
    dock: "Quai",
    stow_bin: "Emplacement de stockage",
    pick_face: "Emplacement de prélèvement",
    pack_station: "Poste d'emballage",
    outbound_door: "Porte d'expédition",
  },
});
const kLocationTypes = ["dock", "stow_bin", "pick_face", "pack_station", "outbound_door"] as const;

// --- API shapes (docs/API.md) ---

interface User {
  login: string;
  name: string;
  role: Role;
  created_at: number;
  disabled: boolean;
  has_badge: boolean;
}

interface Zone {
  code: string;
  name: string;
}

interface Location {
  code: string;
  zone: string;
  type: string;
  capacity_units: number;
  aisle: number;
  bay: number;
  level: number;
  position: number;
}

interface Product {
  gtin: string;
  description: string;
  home_zone: string;
}

interface PutReply {
  outcome: "created" | "updated" | "unchanged";
  seq: number | null;
}

interface SessionDevice {
  id: number;
  name: string;
  at: number;
  revoked: boolean;
}

// --- Page plumbing ---

// What every section needs: the token, the page's abort signal and the zones (for the
// location and product forms' selects), reloaded when a zone is saved.
interface Admin {
  context: PageContext;
  token: string;
  signal: AbortSignal;
  zones: Zone[];
}

export const adminPage: Page = {
  path: "admin",
  title: () => t("title"),
  roles: ["admin"],
  render: async (context) => {
    const aborter = new AbortController();
    const admin: Admin = { context, token: context.session!.token, signal: aborter.signal, zones: [] };
    const accounts = accountsSection(admin);
    const layout = layoutSection(admin);
    replace(
      context.root,
      h("h1", {}, t("title")),
      accounts.element,
      devicesSection(admin),
      layout.element,
      productsSection(admin),
    );
    await Promise.all([accounts.load(), layout.load()]);
    return () => aborter.abort();
  },
};

function request<T>(admin: Admin, path: string, method = "GET", body?: unknown): Promise<T> {
  return getJson<T>(path, { method, body, token: admin.token, signal: admin.signal });
}

// Shows why a request failed; a 401 ends the session instead; an abort (page left) shows nothing.
function failed(admin: Admin, slot: HTMLElement, error: unknown): void {
  if (error instanceof DOMException && error.name === "AbortError") return;
  if (error instanceof ApiError && error.status === 401) {
    admin.context.sessionEnded();
    return;
  }
  replace(slot, errorBox(error));
}

// True (and the field focused, its name said) when a required field is empty.
function missingField(form: HTMLFormElement, result: HTMLElement): boolean {
  const empty = [...form.querySelectorAll<HTMLInputElement>("input[required]")].find((box) => box.value.trim() === "");
  if (!empty) return false;
  const label = form.querySelector(`label[for="${empty.id}"]`)?.textContent ?? empty.id;
  replace(result, h("p", { class: "error", role: "alert" }, t("required", { field: label })));
  empty.focus();
  return true;
}

function succeeded(slot: HTMLElement, text: string): void {
  replace(slot, h("p", { class: "success", role: "status" }, text));
}

function section(id: string, heading: string, ...content: Node[]): HTMLElement {
  return h("section", { "aria-labelledby": `admin-${id}` }, h("h2", { id: `admin-${id}` }, heading), ...content);
}

function resultSlot(): HTMLElement {
  return h("div", { class: "form-result" });
}

// Runs `action` on submit with the button disabled meanwhile; the text it returns is the
// success line (null: the action showed its own result). Forms are `novalidate` so that the
// API's message, not the browser's, says what is wrong; only empty required fields are
// caught here, since an empty path segment would not even reach the right route.
function onSubmit(
  admin: Admin,
  form: HTMLFormElement,
  result: HTMLElement,
  action: () => Promise<string | null>,
): void {
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    replace(result);
    if (missingField(form, result)) return;
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button) button.disabled = true;
    action()
      .then((text) => text !== null && succeeded(result, text))
      .catch((error: unknown) => failed(admin, result, error))
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

// A labelled field; `hint` is tied to the input with aria-describedby.
function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const hintId = `${input.id}-hint`;
  if (hint) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    {},
    h("label", { for: input.id }, label),
    input,
    hint ? h("p", { id: hintId, class: "muted hint" }, hint) : null,
  );
}

function checkField(label: string, input: HTMLInputElement): HTMLElement {
  return h("div", { class: "check" }, input, h("label", { for: input.id }, label));
}

function input(id: string, attributes: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return h("input", { id, type: "text", autocomplete: "off", ...attributes });
}

function select(id: string, options: [string, string][], selected = ""): HTMLSelectElement {
  return h(
    "select",
    { id },
    ...options.map(([value, text]) => h("option", { value, selected: value === selected }, text)),
  );
}

function actions(...buttons: HTMLButtonElement[]): HTMLElement {
  return h("div", { class: "actions" }, ...buttons);
}

function submit(text: string): HTMLButtonElement {
  return h("button", { type: "submit" }, text);
}

type CellValue = Node | string | number | null;

function dataTable(caption: string, headers: string[], rows: CellValue[][]): HTMLElement {
  const head = h("tr", {}, ...headers.map((text) => h("th", { scope: "col" }, text)));
  const body = rows.map((cells) =>
    h("tr", {}, ...cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, ...body)),
  );
}

function outcomeText(reply: PutReply, what: string): string {
  const key =
    reply.outcome === "created"
      ? "outcome_created"
      : reply.outcome === "updated"
        ? "outcome_updated"
        : "outcome_unchanged";
  return t(key, { what });
}

// A whole number from a number field; empty is 0 (the layout's "not set" / "unlimited").
function whole(field: HTMLInputElement): number {
  return field.value.trim() === "" ? 0 : Number(field.value);
}

// --- (a) Accounts ---

function accountsSection(admin: Admin): { element: HTMLElement; load: () => Promise<void> } {
  const list = h("div");
  const editor = h("div");
  const load = async () => {
    replace(list, h("p", { class: "muted" }, t("loading")));
    try {
      const answer = await request<{ users: User[] }>(admin, "/api/v1/users");
      replace(
        list,
        usersTable(answer.users, (user) => openEditor(admin, editor, user, load)),
      );
    } catch (error) {
      failed(admin, list, error);
    }
  };
  const element = section("accounts", t("accounts"), list, editor, createAccountForm(admin, load));
  return { element, load };
}

function usersTable(users: User[], edit: (user: User) => void): HTMLElement {
  const rows = users.map((user) => [
    user.login,
    user.name,
    roleNames(user.role),
    user.has_badge ? t("yes") : t("no"),
    user.disabled ? t("disabled") : t("active"),
    formatDateTime(user.created_at),
    // The accessible name starts with the visible word and says which account (WCAG 2.5.3).
    h(
      "button",
      { type: "button", class: "secondary", "aria-label": `${t("edit")} ${user.login}`, onclick: () => edit(user) },
      t("edit"),
    ),
  ]);
  return dataTable(
    t("usersCaption"),
    [t("login"), t("name"), t("role"), t("badge"), t("status"), t("created"), t("actions")],
    rows,
  );
}

function roleSelect(id: string, selected: string): HTMLSelectElement {
  return select(
    id,
    kRoles.map((role) => [role, roleNames(role)]),
    selected,
  );
}

function createAccountForm(admin: Admin, reload: () => Promise<void>): HTMLElement {
  const login = input("admin-new-login", { required: true, maxlength: 64 });
  const name = input("admin-new-name", { maxlength: 200 });
  const role = roleSelect("admin-new-role", "worker");
  const password = input("admin-new-password", {
    type: "password",
    autocomplete: "new-password",
    required: true,
    minlength: 12,
  });
  const badge = input("admin-new-badge");
  const result = resultSlot();
  const form = h(
    "form",
    { "aria-labelledby": "admin-create-heading" },
    h("h3", { id: "admin-create-heading" }, t("createAccount")),
    field(t("login"), login),
    field(t("name"), name),
    field(t("role"), role),
    field(t("password"), password, t("passwordHint")),
    field(t("badgeOptional"), badge, t("badgeHint")),
    actions(submit(t("create"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const body: Record<string, string> = { login: login.value.trim(), password: password.value, role: role.value };
    if (name.value.trim()) body.name = name.value.trim();
    if (badge.value.trim()) body.badge = badge.value.trim();
    await request(admin, "/api/v1/users", "POST", body);
    form.reset();
    void reload();
    return t("created_ok", { login: body.login });
  });
  return form;
}

// The change form for one account, under the list; focus moves to its heading.
function openEditor(admin: Admin, slot: HTMLElement, user: User, reload: () => Promise<void>): void {
  const heading = h("h3", { id: "admin-edit-heading", tabindex: -1 }, t("editAccount", { login: user.login }));
  const fields = editorFields(user);
  const result = resultSlot();
  const close = h("button", { type: "button", class: "secondary", onclick: () => replace(slot) }, t("cancel"));
  const form = h(
    "form",
    { "aria-labelledby": heading.id },
    heading,
    ...fields.elements,
    actions(submit(t("save")), close),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const patch = fields.patch();
    if (Object.keys(patch).length === 0) return t("nothingChanged");
    await request(admin, `/api/v1/users/${segment(user.login)}`, "PATCH", patch);
    void reload();
    return t("saved", { login: user.login });
  });
  replace(slot, form);
  heading.focus();
}

// The fields of the change form and the PATCH body of what was changed.
function editorFields(user: User): { elements: HTMLElement[]; patch: () => Record<string, unknown> } {
  const name = input("admin-edit-name", { value: user.name, maxlength: 200 });
  const role = roleSelect("admin-edit-role", user.role);
  const disabled = input("admin-edit-disabled", { type: "checkbox", checked: user.disabled });
  const badge = input("admin-edit-badge");
  const removeBadge = input("admin-edit-remove-badge", { type: "checkbox" });
  const password = input("admin-edit-password", { type: "password", autocomplete: "new-password", minlength: 12 });
  const elements = [
    field(t("name"), name),
    field(t("role"), role),
    checkField(t("accountDisabled"), disabled),
    field(t("newBadge"), badge, t("newBadgeHint", { state: user.has_badge ? t("hasBadge") : t("noBadge") })),
    user.has_badge ? checkField(t("removeBadge"), removeBadge) : h("div"),
    field(t("newPassword"), password, t("newPasswordHint")),
  ];
  const patch = () => {
    const body: Record<string, unknown> = {};
    if (name.value.trim() !== user.name) body.name = name.value.trim();
    if (role.value !== user.role) body.role = role.value;
    if (disabled.checked !== user.disabled) body.disabled = disabled.checked;
    if (badge.value.trim()) body.badge = badge.value.trim();
    else if (removeBadge.checked) body.badge = ""; // The API removes a badge set to "".
    if (password.value) body.password = password.value;
    return body;
  };
  return { elements, patch };
}

// --- (b) Devices ---

const kDevicesKey = "entrepot.admin.devices";

// Devices registered from this tab (sessionStorage: gone with the tab), never their tokens.
function sessionDevices(): SessionDevice[] {
  try {
    return JSON.parse(sessionStorage.getItem(kDevicesKey) ?? "[]") as SessionDevice[];
  } catch {
    return [];
  }
}

function saveSessionDevices(devices: SessionDevice[]): void {
  sessionStorage.setItem(kDevicesKey, JSON.stringify(devices));
}

function devicesSection(admin: Admin): HTMLElement {
  const list = h("div");
  const result = resultSlot();
  const revoke = async (id: number) => {
    await request(admin, `/api/v1/devices/${id}`, "DELETE");
    saveSessionDevices(sessionDevices().map((d) => (d.id === id ? { ...d, revoked: true } : d)));
    drawList();
    return t("revokedOk", { id });
  };
  const revokeFromList = (id: number) => {
    revoke(id).then(
      (text) => succeeded(result, text),
      (error: unknown) => failed(admin, result, error),
    );
  };
  const drawList = () => replace(list, sessionDevicesTable(revokeFromList));
  drawList();
  return section(
    "devices",
    t("devices"),
    h("p", { class: "notice" }, t("devicesNote")),
    registerDeviceForm(admin, drawList),
    list,
    result,
    revokeByIdForm(admin, revoke),
  );
}

function sessionDevicesTable(revoke: (id: number) => void): HTMLElement {
  const devices = sessionDevices();
  if (devices.length === 0) return h("p", {}, t("noSessionDevices"));
  const rows = devices.map((d) => [
    d.name,
    String(d.id),
    formatDateTime(d.at),
    d.revoked ? t("revoked") : t("active"),
    d.revoked
      ? ""
      : h(
          "button",
          { type: "button", class: "secondary", "aria-label": `${t("revoke")} ${d.name}`, onclick: () => revoke(d.id) },
          t("revoke"),
        ),
  ]);
  return dataTable(
    t("sessionDevicesCaption"),
    [t("name"), t("id"), t("registeredAt"), t("status"), t("actions")],
    rows,
  );
}

function registerDeviceForm(admin: Admin, drawList: () => void): HTMLElement {
  const name = input("admin-device-name", { required: true, maxlength: 64 });
  const result = resultSlot();
  const form = h("form", {}, field(t("deviceName"), name, t("deviceNameHint")), actions(submit(t("register"))), result);
  onSubmit(admin, form, result, async () => {
    const device = await request<{ id: number; device: string; token: string }>(admin, "/api/v1/devices", "POST", {
      name: name.value.trim(),
    });
    saveSessionDevices([...sessionDevices(), { id: device.id, name: device.device, at: Date.now(), revoked: false }]);
    drawList();
    form.reset();
    replace(result, tokenPanel(device));
    return null;
  });
  return form;
}

// The token, shown once: in a read-only field so it can be selected, with a copy button.
function tokenPanel(device: { id: number; device: string; token: string }): HTMLElement {
  const token = input("admin-device-token", { value: device.token, readonly: true, spellcheck: false });
  const copyStatus = h("span", { role: "status" });
  const copy = h("button", { type: "button", class: "secondary" }, t("copy"));
  copy.addEventListener("click", () => {
    token.select();
    navigator.clipboard.writeText(device.token).then(
      () => replace(copyStatus, t("copied")),
      () => replace(copyStatus, t("copyFailed")),
    );
  });
  return h(
    "div",
    { class: "token-panel" },
    h("p", { class: "success", role: "status" }, t("registered", { name: device.device, id: device.id })),
    field(t("token", { name: device.device }), token, t("tokenNote")),
    h("div", { class: "actions" }, copy, copyStatus),
  );
}

function revokeByIdForm(admin: Admin, revoke: (id: number) => Promise<string>): HTMLElement {
  const id = input("admin-revoke-id", { type: "number", min: 1, step: 1, required: true, inputmode: "numeric" });
  const result = resultSlot();
  const form = h(
    "form",
    { "aria-labelledby": "admin-revoke-heading" },
    h("h3", { id: "admin-revoke-heading" }, t("revokeById")),
    field(t("deviceId"), id, t("revokeHint")),
    actions(submit(t("revoke"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const text = await revoke(Number(id.value));
    form.reset();
    return text;
  });
  return form;
}

// --- (c) Layout ---

function layoutSection(admin: Admin): { element: HTMLElement; load: () => Promise<void> } {
  const list = h("div");
  const load = async () => {
    replace(list, h("p", { class: "muted" }, t("loading")));
    try {
      admin.zones = (await request<{ zones: Zone[] }>(admin, "/api/v1/zones")).zones;
      replace(list, zonesTable(admin.zones));
    } catch (error) {
      failed(admin, list, error);
    }
  };
  const element = section("layout", t("layout"), list, zoneForm(admin, load), locationFinder(admin));
  return { element, load };
}

function zonesTable(zones: Zone[]): HTMLElement {
  if (zones.length === 0) return h("p", {}, t("noZones"));
  return dataTable(
    t("zonesCaption"),
    [t("code"), t("name")],
    zones.map((z) => [z.code, z.name]),
  );
}

function zoneForm(admin: Admin, reload: () => Promise<void>): HTMLElement {
  const code = input("admin-zone-code", { required: true });
  const name = input("admin-zone-name", { required: true });
  const result = resultSlot();
  const form = h(
    "form",
    { "aria-labelledby": "admin-zone-heading" },
    h("h3", { id: "admin-zone-heading" }, t("zoneForm")),
    field(t("zoneCode"), code),
    field(t("zoneName"), name),
    actions(submit(t("saveZone"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const zone = code.value.trim();
    const reply = await request<PutReply>(admin, `/api/v1/zones/${segment(zone)}`, "PUT", { name: name.value.trim() });
    void reload();
    return outcomeText(reply, t("zoneWhat", { code: zone }));
  });
  return form;
}

function zoneOptions(admin: Admin, current: string, withNone: boolean): [string, string][] {
  const options: [string, string][] = admin.zones.map((z) => [z.code, `${z.code} – ${z.name}`]);
  // A value the list does not hold (zones not loaded yet) stays selectable as it is.
  if (current && !admin.zones.some((z) => z.code === current)) options.unshift([current, current]);
  return withNone ? [["", t("noHomeZone")], ...options] : options;
}

// The look-up form; the edit form appears under it with what the API holds (or empty for a
// code it does not know, so saving creates the location).
function locationFinder(admin: Admin): HTMLElement {
  const code = input("admin-location-code", { required: true });
  const result = resultSlot();
  const editor = h("div");
  const form = h(
    "form",
    { "aria-labelledby": "admin-location-heading" },
    h("h3", { id: "admin-location-heading" }, t("findLocation")),
    field(t("locationCode"), code),
    actions(submit(t("lookUp"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    replace(editor);
    const wanted = code.value.trim();
    try {
      const location = await request<Location>(admin, `/api/v1/locations/${segment(wanted)}`);
      replace(editor, locationEditor(admin, location, false));
      return null;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "unknown_location")) throw error;
      replace(editor, locationEditor(admin, blankLocation(wanted), true));
      return t("newLocation", { code: wanted });
    }
  });
  return h("div", {}, form, editor);
}

function blankLocation(code: string): Location {
  return { code, zone: "", type: "stow_bin", capacity_units: 0, aisle: 0, bay: 0, level: 0, position: 0 };
}

function locationEditor(admin: Admin, location: Location, isNew: boolean): HTMLElement {
  const zone = select("admin-loc-zone", zoneOptions(admin, location.zone, false), location.zone);
  const type = select(
    "admin-loc-type",
    kLocationTypes.map((k) => [k, typeNames(k)]),
    location.type,
  );
  const numbers = (["capacity_units", "aisle", "bay", "level", "position"] as const).map((key) => ({
    key,
    input: input(`admin-loc-${key}`, { type: "number", min: 0, step: 1, value: location[key], inputmode: "numeric" }),
  }));
  const labels = {
    capacity_units: t("capacity"),
    aisle: t("aisle"),
    bay: t("bay"),
    level: t("level"),
    position: t("position"),
  };
  const result = resultSlot();
  const heading = h("h3", { id: "admin-loc-edit-heading", tabindex: -1 }, t("editLocation", { code: location.code }));
  const form = h(
    "form",
    { "aria-labelledby": heading.id },
    heading,
    field(t("zone"), zone),
    field(t("type"), type),
    ...numbers.map(({ key, input: box }) =>
      field(labels[key], box, key === "capacity_units" ? t("capacityHint") : t("coordinateHint")),
    ),
    actions(submit(t("saveLocation"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const body: Record<string, string | number> = { zone: zone.value, type: type.value };
    numbers.forEach(({ key, input: box }) => (body[key] = whole(box)));
    const reply = await request<PutReply>(admin, `/api/v1/locations/${segment(location.code)}`, "PUT", body);
    return outcomeText(reply, t("locationWhat", { code: location.code }));
  });
  if (!isNew) queueMicrotask(() => heading.focus());
  return form;
}

// --- (d) Products ---

function productsSection(admin: Admin): HTMLElement {
  const gtin = input("admin-product-gtin", { required: true, inputmode: "numeric", maxlength: 14 });
  const result = resultSlot();
  const editor = h("div");
  const form = h(
    "form",
    { "aria-labelledby": "admin-product-heading" },
    h("h3", { id: "admin-product-heading" }, t("findProduct")),
    field(t("gtin"), gtin, t("gtinHint")),
    actions(submit(t("lookUp"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    replace(editor);
    const wanted = gtin.value.trim();
    try {
      const product = await request<Product>(admin, `/api/v1/products/${segment(wanted)}`);
      replace(editor, productEditor(admin, product));
      return null;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "unknown_product")) throw error;
      replace(editor, productEditor(admin, { gtin: wanted, description: "", home_zone: "" }));
      return t("newProduct", { gtin: wanted });
    }
  });
  return section("products", t("products"), form, editor);
}

function productEditor(admin: Admin, product: Product): HTMLElement {
  const description = input("admin-product-description", { value: product.description, required: true });
  const homeZone = select("admin-product-zone", zoneOptions(admin, product.home_zone, true), product.home_zone);
  const result = resultSlot();
  const form = h(
    "form",
    { "aria-labelledby": "admin-product-edit-heading" },
    h("h3", { id: "admin-product-edit-heading" }, t("editProduct", { gtin: product.gtin })),
    field(t("description"), description),
    field(t("homeZone"), homeZone),
    actions(submit(t("saveProduct"))),
    result,
  );
  onSubmit(admin, form, result, async () => {
    const body = { description: description.value.trim(), home_zone: homeZone.value };
    const reply = await request<PutReply>(admin, `/api/v1/products/${segment(product.gtin)}`, "PUT", body);
    return outcomeText(reply, t("productWhat", { code: product.gtin }));
  });
  return form;
}
