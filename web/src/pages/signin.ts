// Sign-in for the people who use the pages (the scanner has its own: a device token and the
// worker's badge, see scanner.ts).
import { h, replace } from "../dom";
import { errorBox } from "../errors";
import { strings } from "../i18n";
import { go } from "../nav";
import type { Page } from "../page";
import { signIn } from "../session";

const t = strings({
  en: {
    title: "Sign in",
    login: "Login",
    password: "Password",
    submit: "Sign in",
    scanner: "On a handheld? Open the scanner page.",
  },
  fr: {
    title: "Connexion",
    login: "Identifiant",
    password: "Mot de passe",
    submit: "Se connecter",
    scanner: "Sur un terminal de scan ? Ouvrez la page scanner.",
  },
});

export const signInPage: Page = {
  path: "signin",
  title: () => t("title"),
  roles: "public",
  render: async ({ root }) => {
    const login = h("input", { id: "login", name: "login", autocomplete: "username", required: true });
    const password = h("input", {
      id: "password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const status = h("div", {});
    const submit = h("button", { type: "submit" }, t("submit"));
    const form = h(
      "form",
      {},
      h("label", { for: "login" }, t("login")),
      login,
      h("label", { for: "password" }, t("password")),
      password,
      h("div", { class: "actions" }, submit),
      status,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      replace(status);
      try {
        await signIn(login.value.trim(), password.value);
        go("");
      } catch (error) {
        replace(status, errorBox(error));
        password.select();
      } finally {
        submit.disabled = false;
      }
    });
    replace(root, h("h1", {}, t("title")), form, h("p", {}, h("a", { href: "#/scanner" }, t("scanner"))));
    login.focus();
  },
};
