/**
 * Purview Insider Risk Management reflects a Defender decision some time later (Microsoft says
 * within about 30 minutes). Until it does, the card says the IRM side is pending; if it never
 * does within the configured bound, the card says so, so nobody trusts a sync that did not happen.
 *
 * Reading the IRM side needs an IrmStatusReader: the embedded tenant offers one; against real
 * Graph there is none (Graph does not expose IRM's own alert status), and the card then shows the
 * status Purview will take, marked as expected.
 */
import type { IrmSyncView } from '../cards/incident-view.js';
import { agreedIrmStatus, irmAlertsOf } from '../defender/incidents.js';
import type { IrmStatus } from '../defender/irm-mapping.js';
import type { Incident } from '../defender/model.js';
import { createLogger } from '../logger.js';
import type { Store } from '../store/store.js';

const log = createLogger('irm-sync');

export interface IrmStatusReader {
  irmStatus(alertId: string): Promise<IrmStatus | null>;
}

/** The embedded tenant's view of the IRM side (`GET /_admin/irm/alerts/{id}`). */
export function embeddedTenantIrmReader(tenantUrl: string): IrmStatusReader {
  return {
    async irmStatus(alertId) {
      const res = await fetch(`${tenantUrl}/_admin/irm/alerts/${encodeURIComponent(alertId)}`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return null;
      const body = (await res.json()) as { irmStatus?: unknown };
      return body.irmStatus === 'Needs review' || body.irmStatus === 'Confirmed' || body.irmStatus === 'Dismissed' ? body.irmStatus : null;
    },
  };
}

/** What IRM should show for the incident now, judged from Defender (its IRM alerts agree, or not). */
export function expectedIrmStatus(incident: Incident): IrmStatus {
  return agreedIrmStatus(incident) ?? 'Needs review';
}

export type { IrmSyncView } from '../cards/incident-view.js';

export class IrmSyncTracker {
  constructor(
    private readonly deps: { store: Store; reader: IrmStatusReader | null; boundMinutes: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * After a decision (from Teams or a portal) that changes what IRM should show: remember what
   * IRM should come to show, and look once straight away (the IRM side may already agree).
   */
  async track(incident: Incident): Promise<void> {
    const expected = expectedIrmStatus(incident);
    await this.deps.store.trackIrmSync(incident.id, { expected, since: this.now().toISOString(), overdue: false });
    await this.check(async () => incident, [incident.id]);
  }

  async view(incidentId: string): Promise<IrmSyncView> {
    const entry = await this.deps.store.irmSync(incidentId);
    return { pending: Boolean(entry), overdue: entry?.overdue ?? false, boundMinutes: this.deps.boundMinutes, observable: this.deps.reader !== null };
  }

  /**
   * Look at the IRM side of every pending incident; answers the ids whose cards should be redrawn
   * (now in sync, or newly overdue). `load` reads the incident from Defender.
   */
  async check(load: (incidentId: string) => Promise<Incident>, only?: readonly string[]): Promise<string[]> {
    const { store, reader } = this.deps;
    const changed: string[] = [];
    for (const [incidentId, entry] of Object.entries(await store.irmSyncPending())) {
      if (only && !only.includes(incidentId)) continue;
      let inSync = false;
      if (reader) {
        try {
          const incident = await load(incidentId);
          const seen = await Promise.all(irmAlertsOf(incident).map((a) => reader.irmStatus(a.id)));
          inSync = seen.length > 0 && seen.every((s) => s === entry.expected);
        } catch (err) {
          log.warn('could not read the IRM side', { incidentId, err });
        }
      }
      const overdue = this.now().getTime() - Date.parse(entry.since) > this.deps.boundMinutes * 60_000;
      // With nothing to read the IRM side from, the bound only ends the "expected" wording.
      if (inSync || (!reader && overdue)) {
        await store.forgetIrmSync(incidentId);
        changed.push(incidentId);
      } else if (overdue && !entry.overdue) {
        await store.markIrmSyncOverdue(incidentId);
        changed.push(incidentId);
      }
    }
    return changed;
  }
}
