/**
 * Runs tasks with the same key one after another (in this process), whether the one before
 * succeeded or not; different keys run freely. Decisions on an incident and messages to a
 * conversation are both queued this way.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly queued = new Map<string, number>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
    const next = previous.then(task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      const left = (this.queued.get(key) ?? 1) - 1;
      if (left > 0) this.queued.set(key, left);
      else this.queued.delete(key);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Tasks queued or running for a key (0 when idle). */
  pending(key: string): number {
    return this.queued.get(key) ?? 0;
  }

  /** Resolves when no task is queued or running for any key. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
