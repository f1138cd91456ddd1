// French and English text. Each page declares its own strings next to its code with
// `strings({en: {...}, fr: {...}})`; the French table must have every English key (the type
// says so), so no text is left untranslated.

export type Language = "en" | "fr";
const kStorageKey = "entrepot.lang";

let current: Language = initialLanguage();

function initialLanguage(): Language {
  const saved = localStorage.getItem(kStorageKey);
  if (saved === "en" || saved === "fr") return saved;
  return navigator.language.toLowerCase().startsWith("fr") ? "fr" : "en";
}

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  localStorage.setItem(kStorageKey, next);
  document.documentElement.lang = next;
}

// A lookup function for a page's strings; `{name}` placeholders are filled from `values`.
export function strings<T extends Record<string, string>>(table: { en: T; fr: { [K in keyof T]: string } }) {
  return (key: keyof T, values: Record<string, string | number> = {}): string => {
    const text = table[current][key] ?? table.en[key];
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
  };
}

// Numbers and times in the page's language.
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(current === "fr" ? "fr-FR" : "en-GB").format(value);
}

export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(current === "fr" ? "fr-FR" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(ms));
}

export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(current === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "short",
    timeStyle: "medium",
  }).format(new Date(ms));
}
