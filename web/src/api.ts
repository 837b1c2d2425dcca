// The single fetch wrapper for the Grassroots API. Auth rides on the httpOnly
// `gr_session` cookie, so nothing sensitive is kept in JS-visible storage.
import type { AppConfig, AreaDetail, AreaFeatureCollection, AreaLevel, AreaNode, Coverage, User } from './types';

const BASE = '/api/v1';

/** An API failure, normalised from `{"error":{"code","message","field"}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// Lets the app drop back to the login page when a session expires mid-use.
let unauthorizedHandler: (() => void) | null = null;
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Login answers 401 for bad credentials; that must not count as "session expired". */
  skipUnauthorizedHandler?: boolean;
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    // Client-side code: the server never sends it, the locale files translate it.
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }

  if (res.status === 204) return undefined as T;

  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }

  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
    const error = new ApiError(
      res.status,
      e?.code ?? (res.status === 401 ? 'AUTH_REQUIRED' : res.status === 404 ? 'NOT_FOUND' : 'INTERNAL'),
      e?.message ?? res.statusText,
      e?.field ?? null,
    );
    if (res.status === 401 && !opts.skipUnauthorizedHandler) unauthorizedHandler?.();
    throw error;
  }
  return data as T;
}

export const api = {
  config: (signal?: AbortSignal) => request<AppConfig>('GET', '/config', { signal }),

  login: (username: string, password: string) =>
    request<{ token: string; user: User }>('POST', '/auth/login', {
      body: { username, password },
      skipUnauthorizedHandler: true,
    }),
  me: (signal?: AbortSignal) =>
    request<{ user: User }>('GET', '/auth/me', { signal, skipUnauthorizedHandler: true }),
  logout: () => request<void>('POST', '/auth/logout', { skipUnauthorizedHandler: true }),

  areaTree: (signal?: AbortSignal) => request<{ areas: AreaNode[] }>('GET', '/areas/tree', { signal }),
  area: (id: number, signal?: AbortSignal) => request<AreaDetail>('GET', `/areas/${id}`, { signal }),
  /** Without `level`, the server returns the direct children of `within`. */
  boundaries: (within: number, level?: AreaLevel, signal?: AbortSignal) => {
    const q = new URLSearchParams({ within: String(within) });
    if (level) q.set('level', level);
    return request<AreaFeatureCollection>('GET', `/areas/boundaries?${q}`, { signal });
  },
  coverage: (id: number, signal?: AbortSignal) => request<Coverage>('GET', `/areas/${id}/coverage`, { signal }),
};

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
