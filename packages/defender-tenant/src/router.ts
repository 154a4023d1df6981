/** A small path router: a table of routes with `:param` segments, matched segment by segment. */
import type { IncomingHttpHeaders } from 'node:http';

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** The request asked for evolvable enum members (`Prefer: include-unknown-enum-members`). */
  preferUnknownMembers: boolean;
  /** `http://host:port` as the client reached us: next links are built from it. */
  origin: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** e.g. `/v1.0/security/alerts_v2/:id` */
  pattern: string;
  /** Graph permissions of which any one lets the request through. */
  permissions?: readonly string[];
  handler: Handler;
}

export type RouteMatch = { kind: 'found'; route: Route; params: Record<string, string> } | { kind: 'wrongMethod'; allowed: string[] } | { kind: 'none' };

const split = (path: string) => path.split('/').filter((s) => s.length > 0);

export class Router {
  private readonly routes: { route: Route; segments: string[] }[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({ route, segments: split(route.pattern) }));
  }

  match(method: string, path: string): RouteMatch {
    const segments = split(path);
    const allowed: string[] = [];
    for (const { route, segments: pattern } of this.routes) {
      const params = matchSegments(pattern, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrongMethod', allowed } : { kind: 'none' };
  }
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = segments[i]!;
    if (want.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(got);
      } catch {
        return null;
      }
      params[want.slice(1)] = value;
    } else if (want.toLowerCase() !== got.toLowerCase()) {
      return null;
    }
  }
  return params;
}
