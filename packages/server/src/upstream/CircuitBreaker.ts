/**
 * A circuit breaker for the upstream API: after `threshold` consecutive failures it opens and
 * fails calls at once for `cooldownMs`, then lets one trial call through (half-open); a success
 * closes it again. While an upstream is down, check-ins then cost nothing but a log line instead
 * of piling up connections and timeouts.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | undefined;
  #trialInFlight = false;

  constructor(options: { threshold?: number; cooldownMs?: number; now?: () => number } = {}) {
    this.#threshold = options.threshold ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** `closed` (calls pass), `open` (calls fail fast) or `half-open` (one trial call may pass). */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#openedAt === undefined) return 'closed';
    return this.#now() - this.#openedAt >= this.#cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go out now; in half-open state only one trial call at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#openedAt !== undefined || this.#failures >= this.#threshold) this.#openedAt = this.#now();
  }
}
