// The signed-in user of the pages (not the handheld's device: see scanner.ts). The token is
// kept in sessionStorage: it leaves with the browser tab, and expires on the server after
// 12 hours anyway.
import { ApiError, getJson, send } from "./api";

export type Role = "admin" | "site_manager" | "supervisor" | "hr" | "dpo" | "worker";

export interface Session {
  token: string;
  login: string;
  role: Role;
  name: string;
}

const kStorageKey = "entrepot.session";

export function currentSession(): Session | null {
  const saved = sessionStorage.getItem(kStorageKey);
  if (!saved) return null;
  try {
    return JSON.parse(saved) as Session;
  } catch {
    return null;
  }
}

export async function signIn(login: string, password: string): Promise<Session> {
  const answer = await getJson<{ token: string }>("/api/v1/login", {
    method: "POST",
    body: { login, password },
  });
  const me = await getJson<{ login: string; role: Role; name?: string }>("/api/v1/me", {
    token: answer.token,
  });
  const session: Session = { token: answer.token, login: me.login, role: me.role, name: me.name ?? me.login };
  sessionStorage.setItem(kStorageKey, JSON.stringify(session));
  return session;
}

export async function signOut(): Promise<void> {
  const session = currentSession();
  sessionStorage.removeItem(kStorageKey);
  if (session) {
    try {
      await send("/api/v1/logout", { method: "POST", token: session.token });
    } catch {
      // Signed out here either way; the server's session expires on its own.
    }
  }
}

// True for an answer that means the session is over (expired or revoked).
export function sessionEnded(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

export function forgetSession(): void {
  sessionStorage.removeItem(kStorageKey);
}
