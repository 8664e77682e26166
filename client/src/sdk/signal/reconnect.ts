/** Decides how long to wait before the next reconnect attempt. */
export interface ReconnectPolicy {
  /**
   * Returns the delay in milliseconds before attempt number `attempt`
   * (0 for the first retry), or null to stop trying.
   */
  nextDelayMs(attempt: number): number | null;
}

/** Exponential backoff with jitter, capped; never gives up. */
export class BackoffPolicy implements ReconnectPolicy {
  constructor(
    private readonly baseMs = 250,
    private readonly maxMs = 5000,
    private readonly random: () => number = Math.random,
  ) {}

  nextDelayMs(attempt: number): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(attempt, 16));
    // Full jitter on the upper half, so many clients do not reconnect in step.
    return Math.round(exp / 2 + (this.random() * exp) / 2);
  }
}
