import type { JsonObject } from './Store.js';

/**
 * Parsed documents shared across transactions: the same frozen object for a document while its
 * stored text is unchanged. Resolution derives work from documents by identity (the preparation of
 * a policy's `config`, the ResolutionCache's content tokens), so a policy re-read for every
 * check-in of a fleet is parsed once and recognised at once, instead of parsed and compared anew.
 * The text read in the transaction is always compared: nothing is trusted that the database did not
 * just say. Bounded; the least recently read is forgotten first. Internal to the stores.
 */
export class SharedDocuments {
  readonly #max: number;
  readonly #entries = new Map<string, { text: string; doc: JsonObject }>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** The document of `collection` `id` whose stored JSON is `text`, deeply frozen. */
  get(collection: string, id: string, text: string): JsonObject {
    const key = `${collection}\u0000${id}`;
    const known = this.#entries.get(key);
    this.#entries.delete(key);
    const entry = known !== undefined && known.text === text ? known : { text, doc: deepFreeze(JSON.parse(text) as JsonObject) };
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry.doc;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
