/** Options of {@link ResolutionCache}. */
export interface ResolutionCacheOptions {
  /** Most merged stacks kept (least recently used dropped first). Default 512. */
  maxEntries?: number;
  /**
   * Most records kept over all entries: provenance entries, the values they beat and conflicts.
   * A stack of 26 policies × 500 keys weighs ~20,000. Default 4,000,000 (~400 MB at worst; a
   * fleet's distinct stacks are usually far fewer).
   */
  maxWeight?: number;
  /** Most documents (policies and catalog entries) whose content is remembered. Default 20,000. */
  maxDocuments?: number;
}

/** What a {@link ResolutionCache} holds and how it has been used. */
export interface ResolutionCacheStats {
  entries: number;
  weight: number;
  documents: number;
  hits: number;
  misses: number;
  /** Entries dropped because a policy or catalog entry they were merged from changed. */
  invalidated: number;
  /** Entries dropped to stay within the bounds. */
  evicted: number;
}

/**
 * One remembered document: an object holding that content, its JSON once it had to be compared
 * (only when another object arrives for the same id), and the token that names the content.
 */
interface DocumentVersion {
  doc: object;
  json: string | undefined;
  token: number;
  /** Set when the document's id got other content (or was forgotten): objects of this version must be compared again. */
  stale: boolean;
}

interface Entry<T> {
  value: T;
  weight: number;
  /** The documents (`kind:id`) the entry was merged from. */
  documents: readonly string[];
}

/**
 * Merged policy layers shared across devices: {@link resolveEffectivePolicy} with a cache merges
 * each distinct stack of policies (base, assignments and enforced policies at their places, and the
 * catalogs they reference) once and reuses the merge for every device with that stack, adding only
 * the device's own layer (`config`) per device. Entries are keyed by the places, ids and content of
 * the policies — never by device — so provenance stays exact per device. A stack is stored on its
 * second sighting: one that a single device has costs no memory and no more work than without a
 * cache.
 *
 * Content is compared exactly, not only hashed: when a document object arrives for an id seen
 * before with another object, the two are compared as JSON; equal content keeps its token (so a
 * document re-read from a database shares the merge), different content gets a new token and drops
 * every entry merged from the old one. Objects are then recognised by identity, so documents passed
 * in must not be modified in place (replace them instead, as the resolver's preparation memo already
 * requires). Results that come out of the cache share their parts with other devices' results:
 * treat them as read-only (their lists and the effective policy's containers are frozen).
 *
 * Bounded by entries, by total weight and by remembered documents, least recently used first. No
 * clock and no module state: the cache is an ordinary object owned by its caller.
 *
 * @example
 * ```ts
 * const cache = new ResolutionCache();
 * for (const device of fleet) results.push(resolveEffectivePolicy({ device, policies, automationRules }, { cache }));
 * cache.stats(); // { entries: 20, hits: 9980, misses: 20, ... }
 * ```
 */
export class ResolutionCache {
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  readonly #maxDocuments: number;
  readonly #entries = new Map<string, Entry<unknown>>();
  /** Keys seen once and not stored (bounded; oldest forgotten first). */
  readonly #seen = new Set<string>();
  /** Which entries each document (`kind:id`) took part in. */
  readonly #byDocument = new Map<string, Set<string>>();
  readonly #versions = new Map<string, DocumentVersion>();
  readonly #tokens = new WeakMap<object, DocumentVersion>();
  #nextToken = 1;
  #weight = 0;
  #hits = 0;
  #misses = 0;
  #invalidated = 0;
  #evicted = 0;

  constructor(options: ResolutionCacheOptions = {}) {
    this.#maxEntries = positive(options.maxEntries ?? 512, 'maxEntries');
    this.#maxWeight = positive(options.maxWeight ?? 4_000_000, 'maxWeight');
    this.#maxDocuments = positive(options.maxDocuments ?? 20_000, 'maxDocuments');
  }

  /** Counts and sizes, for tests and metrics. */
  stats(): ResolutionCacheStats {
    return {
      entries: this.#entries.size,
      weight: this.#weight,
      documents: this.#versions.size,
      hits: this.#hits,
      misses: this.#misses,
      invalidated: this.#invalidated,
      evicted: this.#evicted,
    };
  }

  /** Drops everything. */
  clear(): void {
    for (const version of this.#versions.values()) version.stale = true;
    this.#entries.clear();
    this.#seen.clear();
    this.#byDocument.clear();
    this.#versions.clear();
    this.#weight = 0;
  }

  /**
   * The token naming the content of `doc` (kind `kind`, id `id`): equal content, equal token.
   * Internal to the package (used by the resolver to build keys).
   */
  token(kind: string, id: string, doc: object): number {
    // The common case, a document object seen before whose content is still current: no lookup by id.
    const seen = this.#tokens.get(doc);
    if (seen !== undefined && !seen.stale) return seen.token;
    const name = `${kind}:${id}`;
    const current = this.#versions.get(name);
    let version: DocumentVersion;
    let json: string | undefined;
    if (current !== undefined && (current.json ??= JSON.stringify(current.doc)) === (json = JSON.stringify(doc))) {
      version = current;
    } else {
      version = { doc, json, token: this.#nextToken++, stale: false };
      if (current !== undefined) {
        current.stale = true;
        this.#invalidate(name);
      }
      // Ids are remembered in the order their content was first seen; beyond the bound the oldest
      // is forgotten (and its entries dropped), so a fleet with more documents than that churns.
      this.#versions.delete(name);
      this.#versions.set(name, version);
      while (this.#versions.size > this.#maxDocuments) {
        const [oldest, forgotten] = this.#versions.entries().next().value as [string, DocumentVersion];
        forgotten.stale = true;
        this.#versions.delete(oldest);
        this.#invalidate(oldest);
      }
    }
    this.#tokens.set(doc, version);
    return version.token;
  }

  /**
   * Whether `key` should be stored now: true when it was seen before, false (and remembered) on
   * its first sighting. Only stacks that more than one device has are kept (internal to the package).
   */
  admit(key: string): boolean {
    if (this.#seen.delete(key)) return true;
    this.#seen.add(key);
    if (this.#seen.size > this.#maxEntries * 4) this.#seen.delete(this.#seen.values().next().value as string);
    return false;
  }

  /** The entry under `key`, if any (internal to the package). */
  get<T>(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value as T;
  }

  /** Stores `value` under `key`, merged from `documents` (internal to the package). */
  set<T>(key: string, value: T, weight: number, documents: readonly string[]): void {
    this.#drop(key);
    if (weight > this.#maxWeight) return;
    this.#entries.set(key, { value, weight, documents });
    this.#weight += weight;
    for (const doc of documents) {
      let keys = this.#byDocument.get(doc);
      if (keys === undefined) this.#byDocument.set(doc, (keys = new Set()));
      keys.add(key);
    }
    while (this.#entries.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      this.#drop(this.#entries.keys().next().value as string);
      this.#evicted++;
    }
  }

  #invalidate(document: string): void {
    const keys = this.#byDocument.get(document);
    if (keys === undefined) return;
    for (const key of [...keys]) {
      this.#drop(key);
      this.#invalidated++;
    }
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
    for (const doc of entry.documents) {
      const keys = this.#byDocument.get(doc);
      keys?.delete(key);
      if (keys?.size === 0) this.#byDocument.delete(doc);
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`ResolutionCache: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
