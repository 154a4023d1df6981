/** Calling the embedded tenant over real HTTP, the way a Graph client or an admin script would. */
import { startTenant, type Tenant, type TenantOptions } from '@irm-bot/defender-tenant';

export const PREFER = { Prefer: 'include-unknown-enum-members' } as const;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  json: unknown;
}

export async function call(url: string, method = 'GET', options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** A Graph path under /v1.0, with the Prefer header unless told otherwise. */
export function graph(tenant: Tenant, path: string, method = 'GET', options: { body?: unknown; rawBody?: string; prefer?: boolean } = {}): Promise<HttpAnswer> {
  return call(tenant.graphBaseUrl + path, method, { ...options, headers: options.prefer === false ? {} : { ...PREFER } });
}

export function admin(tenant: Tenant, path: string, method = 'GET', body?: unknown): Promise<HttpAnswer> {
  return call(tenant.url + path, method, body === undefined ? {} : { body });
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2026-11-20T12:00:00.000Z')) {
  let t = start;
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    get ms() {
      return t;
    },
  };
}

export function start(options: TenantOptions = {}): Promise<Tenant> {
  return startTenant({ port: 0, host: '127.0.0.1', irmSyncDelaySeconds: 0, ...options });
}

export const q = (params: Record<string, string>) => '?' + new URLSearchParams(params).toString();
