/**
 * Graph's documented request budgets, enforced when asked (`POST /_admin/quotas {enforce}`,
 * `TENANT_ENFORCE_QUOTAS=1`, or the `enforceQuotas` option):
 *
 * - Alerts and incidents: 150 requests a minute per app. *Microsoft Graph service limits*,
 *   "Security detections and incidents service limits": "Any operation on alert, securityActions,
 *   secureScore | 150 requests per minute" (DOCS.throttling). The page names the `alert` resource;
 *   counting GET, PATCH and POST on /security/alerts_v2 and /security/incidents together against
 *   it is this tenant's reading.
 * - Advanced hunting: 45 calls a minute. "You can make up to at least 45 calls per minute per
 *   tenant" (Defender XDR's *Advanced hunting API*, DOCS.huntingLimits; the Graph runHuntingQuery
 *   page documents no limit).
 *
 * Each budget is a sliding 60-second window of the requests it let through. Past it, Graph's 429
 * `TooManyRequests` with `Retry-After`: the whole seconds until the oldest request in the window
 * leaves it, when a slot frees. Refused requests take no slot, so a client that waits as told
 * gets through. Admin paths are never counted.
 */
import { DOCS } from './graph-model.js';

export const QUOTA_WINDOW_MS = 60_000;

export interface Budget {
  name: string;
  /** Requests let through per window. */
  limit: number;
  /** The page the limit comes from. */
  source: string;
  counts(method: string, path: string): boolean;
}

const under = (prefix: string) => (path: string) => {
  const lower = path.toLowerCase();
  return lower === prefix || lower.startsWith(prefix + '/');
};
const isAlertsOrIncidents = [under('/v1.0/security/alerts_v2'), under('/v1.0/security/incidents')];

export const BUDGETS: readonly Budget[] = [
  {
    name: 'alerts and incidents',
    limit: 150,
    source: DOCS.throttling,
    counts: (method, path) => ['GET', 'PATCH', 'POST'].includes(method) && isAlertsOrIncidents.some((matches) => matches(path)),
  },
  {
    name: 'advanced hunting',
    limit: 45,
    source: DOCS.huntingLimits,
    counts: (method, path) => method === 'POST' && path.toLowerCase() === '/v1.0/security/runhuntingquery',
  },
];

export interface Throttled {
  budget: Budget;
  retryAfterSeconds: number;
}

/** When each budget's admitted requests were made, oldest first. */
class Window {
  private times: number[] = [];
  private head = 0;

  /** Forget what has left the window. */
  prune(nowMs: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= nowMs - QUOTA_WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
  get size(): number {
    return this.times.length - this.head;
  }
  oldest(): number | undefined {
    return this.times[this.head];
  }
  add(nowMs: number): void {
    this.times.push(nowMs);
  }
}

export class QuotaGate {
  private enforcing: boolean;
  private windows = new Map<Budget, Window>();

  constructor(private readonly enforceAtStart: boolean) {
    this.enforcing = enforceAtStart;
  }

  get enforced(): boolean {
    return this.enforcing;
  }

  /** Turn enforcement on (with empty windows) or off. */
  setEnforced(enforce: boolean): void {
    this.enforcing = enforce;
    this.windows.clear();
  }

  /** Back to the start-up setting, windows empty. */
  reset(): void {
    this.setEnforced(this.enforceAtStart);
  }

  /** Let a request through (taking a slot of its budget), or say how long to wait. */
  admit(method: string, path: string, nowMs: number): Throttled | null {
    if (!this.enforcing) return null;
    const budget = BUDGETS.find((b) => b.counts(method, path));
    if (!budget) return null;
    let window = this.windows.get(budget);
    if (!window) {
      window = new Window();
      this.windows.set(budget, window);
    }
    window.prune(nowMs);
    if (window.size < budget.limit) {
      window.add(nowMs);
      return null;
    }
    const frees = (window.oldest() ?? nowMs) + QUOTA_WINDOW_MS;
    return { budget, retryAfterSeconds: Math.max(1, Math.ceil((frees - nowMs) / 1000)) };
  }
}
