import type pg from 'pg';

/** The socket under a pg client, for corking; pg does not document it, so it may be absent. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The statements of one transaction on a pipelining pg connection (`pipeline: true`): a statement
 * whose answer nobody waits for (BEGIN, a write) is held back and goes out with the next statement
 * that needs an answer, or with COMMIT — in one socket write — so that a fast-path device message
 * costs two round trips (BEGIN with the read that locks the device; the writes with COMMIT) instead
 * of one per statement. pg writes every protocol message on its own, so the socket is corked while
 * a group goes out (where pg exposes it): one syscall per round trip, not one per message.
 *
 * Nothing is acknowledged before every statement has answered: {@link commit} waits for all of
 * them and fails with the first failure (PostgreSQL answers COMMIT of an aborted transaction with
 * a rollback, not an error). Internal to the PostgreSQL store.
 */
export class PgPipeline {
  readonly #client: pg.PoolClient;
  readonly #held: pg.QueryConfig[] = [];
  readonly #sent: Promise<unknown>[] = [];
  readonly #socket: Corkable | undefined;

  constructor(client: pg.PoolClient) {
    this.#client = client;
    const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
    this.#socket = typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Corkable) : undefined;
  }

  /** Sends `config` with the next statement that needs an answer (or with COMMIT). */
  defer(config: pg.QueryConfig): void {
    this.#held.push(config);
  }

  /** Sends what is held and `config`, in one write, and resolves with `config`'s answer. */
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.#socket?.cork();
    try {
      for (const held of this.#held.splice(0)) {
        const sent = this.#client.query(held);
        // Examined at COMMIT or rollback (firstFailure), so handled now: a held write can fail
        // while a later statement is awaited, before anyone looks.
        sent.catch(() => undefined);
        this.#sent.push(sent);
      }
      return this.#client.query<R>(config);
    } finally {
      this.#socket?.uncork();
    }
  }

  /** Sends what is held with COMMIT and waits for every statement; rejects with the first failure. */
  async commit(): Promise<void> {
    const commit = this.query({ text: 'COMMIT' });
    const failure = await this.firstFailure();
    if (failure !== undefined) {
      await commit.catch(() => undefined);
      throw failure.reason;
    }
    await commit;
  }

  /**
   * Waits for the held statements that were sent (those not sent yet are dropped: the transaction
   * is being abandoned) and returns the first that failed: the cause, when a later statement
   * failed only because the transaction was already aborted. Statements that were waited for
   * reported their own failures to their callers.
   */
  async firstFailure(): Promise<PromiseRejectedResult | undefined> {
    this.#held.length = 0;
    const outcomes = await Promise.allSettled(this.#sent);
    return outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  }
}
