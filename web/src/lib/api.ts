// The one way the dashboard talks to the server: JSON over fetch, the bearer token,
// Idempotency-Keys on POSTs, and RFC 9457 problems turned into ApiError.

export interface FieldError { pointer: string; detail: string }
export interface Problem {
  type: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  shortfall?: { sku: string; requested: number; available: number }[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.status = problem.status;
    this.problem = problem;
  }
  // The last segment of the problem type: "validation", "insufficient-stock", …
  get slug(): string {
    const at = this.problem.type.lastIndexOf('/');
    return at >= 0 ? this.problem.type.slice(at + 1) : this.problem.type;
  }
}

// The detail for each JSON pointer of a problem ("/shipping_address/city" → "…"), and the rest.
export function fieldErrors(err: unknown): { byPointer: Record<string, string>; general: string | null } {
  const byPointer: Record<string, string> = {};
  if (!(err instanceof ApiError)) return { byPointer, general: err ? String((err as Error).message ?? err) : null };
  let general: string | null = null;
  for (const e of err.problem.errors ?? []) {
    if (e.pointer) byPointer[e.pointer] = byPointer[e.pointer] ? `${byPointer[e.pointer]}; ${e.detail}` : e.detail;
    else general = e.detail;
  }
  if (Object.keys(byPointer).length === 0 || general === null) general = general ?? err.message;
  return { byPointer, general };
}

let token: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setToken(t: string | null): void { token = t; }
export function getToken(): string | null { return token; }
export function setUnauthorizedHandler(f: (() => void) | null): void { onUnauthorized = f; }

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return `web-${crypto.randomUUID()}`;
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  idempotencyKey?: string;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method === 'POST' || method === 'PATCH') headers['Idempotency-Key'] = opts.idempotencyKey ?? newIdempotencyKey();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError({ type: 'network', status: 0, detail: `the server cannot be reached (${(e as Error).message})` });
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try { parsed = JSON.parse(text); } catch { parsed = text; }
  }
  if (!res.ok) {
    const problem: Problem = parsed && typeof parsed === 'object'
      ? { status: res.status, type: 'about:blank', ...(parsed as object) } as Problem
      : { type: 'about:blank', status: res.status, detail: typeof parsed === 'string' ? parsed : res.statusText };
    if (res.status === 401 && token && onUnauthorized) onUnauthorized();
    throw new ApiError(problem);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('POST', path, { ...opts, body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  text: async (path: string): Promise<string> => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(path, { headers });
    const body = await res.text();
    if (!res.ok) throw new ApiError({ type: 'about:blank', status: res.status, detail: body.slice(0, 200) });
    return body;
  },
};

// "?a=1&b=x" from the defined, non-empty values.
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
