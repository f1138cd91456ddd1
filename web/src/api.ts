// The pages' only way to the server: the public HTTP API (docs/API.md), same origin, with a
// bearer token. Errors arrive as ApiError carrying the API's stable code and its message
// for a person, which the pages show as they are.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// The network itself failed (offline, server down): no HTTP answer at all.
export class NetworkError extends Error {}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  token?: string;
  signal?: AbortSignal;
}

export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.token) headers["Authorization"] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] = options.contentType ?? "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError(String(error));
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await send(path, options)).json() as Promise<T>;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) {
      return new ApiError(response.status, body.error.code, body.error.message ?? body.error.code);
    }
  } catch {
    // Not an API error body: a proxy's page, say.
  }
  return new ApiError(response.status, "http_" + response.status, `HTTP ${response.status} ${response.statusText}`);
}

// Percent-encodes one path segment (a location code, an SSCC in brackets...).
export function segment(text: string): string {
  return encodeURIComponent(text);
}
