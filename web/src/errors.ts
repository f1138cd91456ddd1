// How a page shows a failed request: the API's own message (it is written for a person),
// or a plain sentence when the network failed.
import { ApiError, NetworkError } from "./api";
import { h } from "./dom";
import { strings } from "./i18n";

const t = strings({
  en: {
    network: "The server cannot be reached. Check the network and try again.",
    failed: "Something went wrong: {text}",
  },
  fr: {
    network: "Le serveur est injoignable. Vérifiez le réseau et réessayez.",
    failed: "Une erreur s'est produite : {text}",
  },
});

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof NetworkError) return t("network");
  return t("failed", { text: String(error) });
}

export function errorBox(error: unknown): HTMLElement {
  const code = error instanceof ApiError ? error.code : "network";
  return h("p", { class: "error", role: "alert", "data-code": code }, errorText(error));
}
