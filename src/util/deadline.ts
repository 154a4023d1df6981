/**
 * `pending`, or `timeout()` thrown once `ms` pass first. The call behind `pending` is left to
 * finish or fail unseen (a late failure is not an unhandled rejection), and the timer does not
 * keep the process alive.
 */
export function withDeadline<T>(pending: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
    timer.unref?.();
  });
  pending.catch(() => undefined);
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}
