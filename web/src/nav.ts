// Moves to another page ("floor", "signin"); main.ts routes on the hash change.
export function go(path: string): void {
  const target = `#/${path}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}
