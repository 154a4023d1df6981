/**
 * The one path that writes the audit log. Every command, card action and tab route declares what
 * it is recorded as (its action name and target); `audited` runs it, role check included, and
 * writes exactly one entry when it is done, with one rule for the outcome:
 * - `ok`: it did what was asked;
 * - `refused`: it declined what was asked as asked (an error the asker can act on, answered
 *   4xx: not allowed, bad input, not found, changed meanwhile, over a limit);
 * - `failed`: it tried and something broke (Defender, the store, the bot itself: 5xx).
 * A handler may say more as it goes (`note`: the classification chosen, that the store lagged),
 * and one whose work outlives its answer (a decision Defender is slow to take) has the entry
 * wait for that work (`until`), so the log says how it ended, not that it began.
 */
import { asAppError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { Actor, AuditEntry } from '../store/store.js';
import type { BotServices } from './services.js';

const log = createLogger('audit');

/** Where a request came from: Teams chat, or the tab (no conversation, and the actor is not a Teams id). */
export type Surface = 'chat' | 'tab';

/** What an entry records, as declared, then refined by the handler. */
export interface AuditNote {
  action: string;
  target?: string;
  detail?: string;
}

/** The entry a request is writing: a handler may say more, or have it wait for its work. */
export class Audit {
  private later: Promise<unknown> | null = null;
  private skipped = false;
  private refusal: string | null = null;

  constructor(private note_: AuditNote) {}

  /** Say more precisely what was done (a sub-command, the choice made, a caveat). */
  note(more: Partial<AuditNote>): void {
    this.note_ = { ...this.note_, ...more };
  }

  /** Add to the detail (after what is there). */
  addDetail(text: string): void {
    this.note_ = { ...this.note_, detail: this.note_.detail ? `${this.note_.detail}; ${text}` : text };
  }

  /** Declined, though answered with something useful (the incident as it stands, with the reason). */
  refused(reason: string): void {
    this.refusal = reason;
  }

  /** The request's work goes on after its answer: the entry is written when `work` settles, with its outcome. */
  until(work: Promise<unknown>): void {
    this.later = work;
  }

  /** Nothing to record for this request (a repeat of one just recorded). */
  skip(): void {
    this.skipped = true;
  }

  /** @internal */
  get current(): AuditNote {
    return this.note_;
  }
  /** @internal */
  get pending(): Promise<unknown> | null {
    return this.later;
  }
  /** @internal */
  get isSkipped(): boolean {
    return this.skipped;
  }
  /** @internal */
  get refusedFor(): string | null {
    return this.refusal;
  }
}

/** The one rule: refused when the asker can act on the answer (4xx), failed when the bot or what it calls broke. */
export function auditOutcome(err: unknown): 'refused' | 'failed' {
  return asAppError(err).status < 500 ? 'refused' : 'failed';
}

/** Run a request and write its one audit entry. */
export async function audited<T>(
  services: Pick<BotServices, 'store' | 'now'>,
  request: { actor: Actor; surface: Surface; audit: AuditNote },
  run: (audit: Audit) => Promise<T>,
): Promise<T> {
  const at = services.now().toISOString();
  const audit = new Audit(request.audit);
  const write = async (outcome: AuditEntry['outcome'], error?: string): Promise<void> => {
    if (audit.isSkipped) return;
    const { action, target, detail } = audit.current;
    const said = error === undefined ? detail : detail ? `${detail}: ${error}` : error;
    const where = request.surface === 'tab' ? (said ? `${said} (from the tab)` : 'from the tab') : said;
    await services.store.appendAudit({ at, actor: request.actor, action, ...(target ? { target } : {}), outcome, ...(where ? { detail: where } : {}) });
  };
  let result: T;
  try {
    result = await run(audit);
  } catch (err) {
    await write(auditOutcome(err), asAppError(err).message);
    throw err;
  }
  const done = () => (audit.refusedFor === null ? write('ok') : write('refused', audit.refusedFor));
  const later = audit.pending;
  if (!later) await done();
  else
    void later
      .then(
        () => done(),
        (err: unknown) => write(auditOutcome(err), asAppError(err).message),
      )
      .catch((err: unknown) => log.warn('could not write an audit entry', { action: audit.current.action, err }));
  return result;
}
