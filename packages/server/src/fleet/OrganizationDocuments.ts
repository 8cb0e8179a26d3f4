import type { Collection, JsonObject, StoreTx } from '../store/Store.js';

/** What one organization's check-ins read at one policy epoch. */
interface EpochDocuments {
  epoch: number;
  organization?: JsonObject | null;
  rules?: JsonObject[];
  /** By collection, by id: the document, or null when the store has none. */
  byId: Map<Collection, Map<string, JsonObject | null>>;
}

/**
 * The documents every device of an organization resolves from — the organization (its plan), its
 * automation rules, the policies and catalog entries its devices reference — kept per policy epoch,
 * so that a fleet's check-ins after a change read them once, not once per device.
 *
 * Sound because the epoch is bumped, in the same transaction, by every change of the organization's
 * policies, rules, catalogs or users (StoreTx.bumpPolicyEpoch; the fast path relies on the same):
 * documents read in a transaction that saw epoch E are at least as new as E, and a change always
 * comes with a new epoch, which makes every device read afresh. What a failed transaction read is
 * forgotten ({@link forget}): on SQLite it may have seen another transaction's writes that were
 * never committed, and the epoch could come back with other content. Bounded by organizations, least
 * recently used forgotten first. One per process (StorePolicySource); device documents and users
 * are read per device.
 */
export class OrganizationDocuments {
  readonly #max: number;
  readonly #orgs = new Map<string, EpochDocuments>();

  constructor(maxOrganizations = 1000) {
    this.#max = maxOrganizations;
  }

  /** Forgets what was read for `organizationId` (a transaction that read it failed). */
  forget(organizationId: string): void {
    this.#orgs.delete(organizationId);
  }

  /** The reader for `organizationId` at `epoch` (a new epoch forgets what the old one read). */
  at(organizationId: string, epoch: number): DocumentReader {
    let docs = this.#orgs.get(organizationId);
    this.#orgs.delete(organizationId);
    if (docs === undefined || docs.epoch !== epoch) docs = { epoch, byId: new Map() };
    this.#orgs.set(organizationId, docs);
    if (this.#orgs.size > this.#max) this.#orgs.delete(this.#orgs.keys().next().value as string);
    return new EpochReader(docs, organizationId);
  }
}

/** How loadResolveInput reads an organization's documents: straight from the transaction, or through an epoch's memory. */
export interface DocumentReader {
  organization(tx: StoreTx): Promise<JsonObject | undefined>;
  rules(tx: StoreTx): Promise<JsonObject[]>;
  /** Shared (frozen) documents of `ids` that exist. */
  documents(tx: StoreTx, collection: Collection, ids: readonly string[]): Promise<JsonObject[]>;
}

const SHARED = { shared: true } as const;

/** Reads every time (no epoch known). */
export function directReader(organizationId: string): DocumentReader {
  return {
    organization: (tx) => tx.getDocument('organizations', organizationId),
    rules: (tx) => tx.listDocuments('automation_rules', organizationId, SHARED),
    documents: (tx, collection, ids) => tx.getDocuments(collection, ids, SHARED),
  };
}

class EpochReader implements DocumentReader {
  readonly #docs: EpochDocuments;
  readonly #organizationId: string;

  constructor(docs: EpochDocuments, organizationId: string) {
    this.#docs = docs;
    this.#organizationId = organizationId;
  }

  async organization(tx: StoreTx): Promise<JsonObject | undefined> {
    if (this.#docs.organization === undefined) this.#docs.organization = (await tx.getDocument('organizations', this.#organizationId)) ?? null;
    return this.#docs.organization ?? undefined;
  }

  async rules(tx: StoreTx): Promise<JsonObject[]> {
    this.#docs.rules ??= await tx.listDocuments('automation_rules', this.#organizationId, SHARED);
    return this.#docs.rules;
  }

  async documents(tx: StoreTx, collection: Collection, ids: readonly string[]): Promise<JsonObject[]> {
    let known = this.#docs.byId.get(collection);
    if (known === undefined) this.#docs.byId.set(collection, (known = new Map()));
    const missing = [...new Set(ids)].filter((id) => !known.has(id));
    if (missing.length > 0) {
      const found = new Map((await tx.getDocuments(collection, missing, SHARED)).map((doc) => [doc['id'] as string, doc]));
      for (const id of missing) known.set(id, found.get(id) ?? null);
    }
    const out: JsonObject[] = [];
    for (const id of new Set(ids)) {
      const doc = known.get(id);
      if (doc) out.push(doc);
    }
    return out;
  }
}
