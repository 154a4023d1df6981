/**
 * Announces rotation hand-overs when they happen. Who is on call never depends on this job (it is
 * computed from the clock, see schedule.ts); the job only tells people, so a missed tick loses
 * an announcement, not the hand-over. Rescheduled whenever the rotation changes.
 */
import cron, { type ScheduledTask, type TaskFn, type TaskOptions } from 'node-cron';
import type { Contact } from '../store/store.js';
import { createLogger } from '../logger.js';
import { md, plain } from '../cards/markdown.js';
import type { NoticeCardData } from '../cards/notice-view.js';
import { cronFor, type Rotation } from './schedule.js';
import type { Mention, OnCallService } from './service.js';

const log = createLogger('oncall.handover');

export type Announce = (onCall: Contact, rotation: Rotation) => Promise<void> | void;
export type Schedule = (expression: string, task: TaskFn, options: TaskOptions) => ScheduledTask;

/** What a hand-over says in channels: a notice card, and a line that @mentions who is on call now. */
export function handoverNotice(service: OnCallService, onCall: Contact): { card: NoticeCardData; text: string; mentions: Mention['entity'][] } {
  const mention = service.mentionOf(onCall);
  return {
    card: { heading: 'On-call hand-over', text: md`${plain(onCall.name ?? onCall.upn)} is now on call for insider-risk incidents.`, colour: 'Good' },
    text: `${mention.text} is on call now`,
    mentions: [mention.entity],
  };
}

export class HandoverScheduler {
  private task: ScheduledTask | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly service: OnCallService,
    private readonly announce: Announce,
    private readonly schedule: Schedule = (expression, task, options) => cron.schedule(expression, task, options),
  ) {}

  /** The cron expression in force, or null without a rotation. */
  get expression(): string | null {
    return this.task?.getPattern() ?? null;
  }

  start(): void {
    if (this.unsubscribe) return;
    let changed = false;
    this.unsubscribe = this.service.onChange((state) => {
      changed = true;
      this.reschedule(state.rotation);
    });
    // What the store holds at start, unless a change has overtaken this read meanwhile.
    void this.service.state().then(
      (state) => {
        if (!changed && this.unsubscribe) this.reschedule(state.rotation);
      },
      (err: unknown) => log.warn('could not read the rotation to schedule its hand-overs', { err }),
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    void this.task?.destroy();
    this.task = null;
  }

  /**
   * Follow the rotation as the store has it now: with replicas, it may have been changed on
   * another one, whose change this replica's listeners never heard. Cheap when nothing changed.
   */
  async sync(): Promise<void> {
    if (!this.unsubscribe) return;
    const { rotation } = await this.service.state();
    if ((rotation ? cronFor(rotation) : null) !== this.expression) this.reschedule(rotation);
  }

  /** Run one hand-over now (what the cron job does). */
  async handOver(): Promise<void> {
    const { rotation } = await this.service.state();
    const onCall = await this.service.current();
    if (!rotation || !onCall) return;
    try {
      await this.announce(onCall, rotation);
    } catch (err) {
      log.warn('could not announce the on-call hand-over', { err });
    }
  }

  private reschedule(rotation: Rotation | null): void {
    void this.task?.destroy();
    this.task = null;
    if (!rotation) return;
    this.task = this.schedule(cronFor(rotation), () => this.handOver(), { timezone: 'Etc/UTC', name: 'oncall-handover', noOverlap: true });
  }
}
