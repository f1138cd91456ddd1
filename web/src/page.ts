// What every page module provides to the router (main.ts).
import type { Role, Session } from "./session";

export interface PageContext {
  root: HTMLElement; // The page's area; the router empties it before each page.
  session: Session | null; // The signed-in user; null on public pages.
  // Called when an API answer says the session is over: back to sign-in.
  sessionEnded: () => void;
}

export interface Page {
  // The route after "#/": "floor", "scanner", ...
  path: string;
  title: () => string;
  // Who sees the page in the navigation and may open it; "public" needs no sign-in (the
  // scanner signs in with its device token and the worker's badge instead).
  roles: readonly Role[] | "public";
  // Draws the page; the function it returns, if any, is called when the page is left
  // (closing live streams and timers).
  render: (context: PageContext) => Promise<(() => void) | void>;
}

export const kAllRoles: readonly Role[] = ["admin", "site_manager", "supervisor", "hr", "dpo", "worker"];
