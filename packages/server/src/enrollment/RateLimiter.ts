/**
 * A token bucket per key (the source address): `burst` attempts at once, `perMinute` regained
 * each minute. In memory, per process: behind several replicas each one limits on its own, which
 * multiplies the allowance by the replica count but still stops a brute force.
 */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Past this many tracked addresses, full buckets are dropped (they hold no information). */
  readonly #maxKeys = 10_000;

  constructor(burst: number, perMinute: number) {
    if (!(burst >= 1) || !(perMinute > 0)) throw new RangeError('rate limit: burst must be >= 1 and perMinute > 0');
    this.#burst = burst;
    this.#perMs = perMinute / 60_000;
  }

  /** Takes one attempt for `key`; returns 0 when allowed, else the seconds until the next one is. */
  take(key: string, now: number): number {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#prune(now);
    return 0;
  }

  #prune(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
  }
}
