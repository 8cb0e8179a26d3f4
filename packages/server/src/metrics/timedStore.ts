import type { Store } from '../store/Store.js';
import type { Metrics } from './Metrics.js';

const timed = new WeakSet<Store>();

/**
 * The store with every transaction timed into `winmdm_store_transaction_duration_seconds`
 * (labelled commit or rollback). The rest of the interface is the store's own. A store that is
 * already timed is returned as it is, so wrapping twice never counts twice.
 */
export function timedStore(store: Store, metrics: Metrics): Store {
  if (timed.has(store)) return store;
  const wrapped: Store = {
    kind: store.kind,
    transaction: async (fn) => {
      const started = process.hrtime.bigint();
      let result: 'commit' | 'rollback' = 'rollback';
      try {
        const value = await store.transaction(fn);
        result = 'commit';
        return value;
      } finally {
        metrics.storeTransactionSeconds.observe({ result }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    migrate: () => store.migrate(),
    pendingMigrations: () => store.pendingMigrations(),
    close: () => store.close(),
  };
  timed.add(wrapped);
  return wrapped;
}
