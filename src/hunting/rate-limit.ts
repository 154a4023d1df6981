/** Sliding-window counters: how many calls a key made in the last window. */
export class SlidingWindowLimiter {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may call again, or 0 if it may call now. Does not record. */
  waitSeconds(key: string): number {
    const recent = this.prune(key);
    if (recent.length < this.limit) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000));
  }

  record(key: string): void {
    const recent = this.prune(key);
    recent.push(this.now());
    this.calls.set(key, recent);
  }

  private prune(key: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.calls.get(key) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.calls.delete(key);
    else this.calls.set(key, recent);
    return recent;
  }
}
