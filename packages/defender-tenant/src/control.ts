/**
 * The test-and-demo controls around the Graph surface: injected faults, denied permissions,
 * Graph's request budgets (when enforced) and the log of every Graph request received.
 */
import { createRandom, type Random } from './prng.js';
import { QuotaGate } from './quotas.js';

export const FAULT_KINDS = ['429', '500', '503', 'timeout', 'reset'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The Graph application permissions the tenant's routes ask for. */
export const GRAPH_PERMISSIONS = [
  'SecurityAlert.Read.All',
  'SecurityAlert.ReadWrite.All',
  'SecurityIncident.Read.All',
  'SecurityIncident.ReadWrite.All',
  'ThreatHunting.Read.All',
] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** 0 when a fault left the request unanswered (timeout) or cut the connection (reset). */
  status: number;
  at: string;
  headers: { prefer?: string };
  fault?: FaultKind;
  /** How long the tenant took to answer, in ms (benchmarks leave Graph's own time out with it). */
  ms?: number;
}

interface FaultConfig {
  rate: number;
  kinds: readonly FaultKind[];
  paths: readonly string[] | null;
  random: Random;
}

/** Enough for a long demo; beyond it the oldest entries go, and indexes stay absolute. */
const MAX_LOG = 50_000;

export class TenantControl {
  private faults: FaultConfig | null = null;
  private readonly denied = new Set<string>();
  private log: RequestLogEntry[] = [];
  private dropped = 0;
  readonly quotas: QuotaGate;

  constructor(
    private readonly seed: number,
    enforceQuotas = false,
  ) {
    this.quotas = new QuotaGate(enforceQuotas);
  }

  setFaults(rate: number, kinds: readonly FaultKind[], paths: readonly string[] | undefined): void {
    // A fresh PRNG per configuration: the same faults hit the same requests every run.
    this.faults = { rate, kinds, paths: paths ?? null, random: createRandom(this.seed ^ 0x5eed) };
  }
  clearFaults(): void {
    this.faults = null;
  }

  /** The fault this Graph request gets, if any. */
  pickFault(path: string): FaultKind | null {
    const faults = this.faults;
    if (!faults) return null;
    const bare = path.replace(/^\/v1\.0(?=\/)/, '');
    if (faults.paths && !faults.paths.some((prefix) => path.startsWith(prefix) || bare.startsWith(prefix))) return null;
    if (faults.random.next() >= faults.rate) return null;
    return faults.random.pick(faults.kinds);
  }

  setDenied(permissions: readonly string[]): void {
    this.denied.clear();
    for (const p of permissions) this.denied.add(p);
  }
  /** True when none of the permissions that would allow the request is granted. */
  lacksAll(permissions: readonly string[]): boolean {
    return permissions.length > 0 && permissions.every((p) => this.denied.has(p));
  }

  record(entry: RequestLogEntry): RequestLogEntry {
    this.log.push(entry);
    if (this.log.length > MAX_LOG) {
      const excess = this.log.length - MAX_LOG;
      this.log = this.log.slice(excess);
      this.dropped += excess;
    }
    return entry;
  }
  requestsSince(index: number): RequestLogEntry[] {
    return this.log.slice(Math.max(0, index - this.dropped));
  }

  /** Back to how the tenant started: no faults, every permission, quotas as configured at start, an empty log. */
  clear(): void {
    this.faults = null;
    this.denied.clear();
    this.quotas.reset();
    this.log = [];
    this.dropped = 0;
  }
}
