import { StatusCodes, type Command, type Item, type ItemCommand, type Results, type Status } from '@winmdm/syncml';
import { DEFAULT_INVENTORY } from './defaultInventory.js';
import { isAtOrBelow, normalizeLocUri } from './normalizeLocUri.js';

/** OMA-DM 1.2 "Size required": the first chunk of a large object carried no `Meta/Size`. */
const SIZE_REQUIRED = 411;
/** OMA-DM 1.2 "Size mismatch": the reassembled large object does not have its announced size. */
const SIZE_MISMATCH = 424;
/** The `Status` value of an installed MSI in EnterpriseDesktopAppManagement ("enforcement completed"). */
const MSI_INSTALLED = '70';
/** ... and of a failed one ("enforcement failed"). */
const MSI_FAILED = '60';

/** The command kinds a {@link FailureRule} can target. */
export type FailureCommandKind = 'Add' | 'Replace' | 'Delete' | 'Get' | 'Exec';

/**
 * A failure the device should answer instead of doing the work, e.g. to test a server's retry
 * logic: the node is left as it was and the status carries `code`.
 *
 * @example
 * ```ts
 * // The first two Replace of AllowCookies fail with 500, the third succeeds.
 * { match: './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies', code: 500, times: 2, commands: ['Replace'] }
 * ```
 */
export interface FailureRule {
  /** A LocURI (compared after normalisation: `./Vendor/MSFT/x` matches `./Device/Vendor/MSFT/x`) or a pattern tested against the LocURI as sent. */
  match: string | RegExp;
  /** The status code to answer. */
  code: number;
  /** How many matching items fail; absent: every one. */
  times?: number;
  /** The command kinds the rule applies to; absent: all of them. */
  commands?: readonly FailureCommandKind[];
}

/** Options of {@link DeviceModel}. */
export interface DeviceModelOptions {
  /** `./DevInfo/DevId`, the device's own id (Windows sends the same value as the SyncHdr Source). Default `WINMDM-SIM-0001`. */
  devId?: string;
  /** The read-only inventory nodes, by LocURI. Default {@link DEFAULT_INVENTORY}; pass `{ ...DEFAULT_INVENTORY, ... }` to extend it. */
  inventory?: Readonly<Record<string, string>>;
  /** Writable nodes the device already has (values set by an earlier MDM), by LocURI; format `chr`. */
  nodes?: Readonly<Record<string, string>>;
  /**
   * Subtrees no command may change (405). Default: `./DevInfo`, `./DevDetail`,
   * `./Vendor/MSFT/DeviceStatus`. The inventory nodes are read-only wherever they are.
   */
  readOnlyPrefixes?: readonly string[];
  /**
   * Subtrees of dynamic instances that must be created with `Add` first: a `Replace` of a missing
   * node below one answers 404. Default: EnterpriseDesktopAppManagement/MSI and EnterpriseModernAppManagement
   * (both scopes), Policy/ConfigOperations/ADMXInstall, WiFi/Profile, VPNv2.
   */
  addOnlyPrefixes?: readonly string[];
  /** Failures to inject, checked in order; the first rule that matches (and has `times` left) wins. */
  failures?: readonly FailureRule[];
  /**
   * The success code per command kind. Default 200 for all; `{ Replace: 202 }` imitates the
   * Personalization CSP of the real transcript, which answers 202 because it downloads asynchronously.
   * An MSI `DownloadInstall` Exec always answers 202.
   */
  successStatus?: Readonly<Partial<Record<'Add' | 'Replace' | 'Delete' | 'Exec', number>>>;
  /**
   * The outcome of MSI installs by product code (e.g. `{AF9257BA-...}`), reported in the next
   * session's `win32csp_install` alert: 0 (default) installs the app, anything else is the error.
   */
  installResults?: Readonly<Record<string, number>>;
  /**
   * How `Get` answers nodes Windows does not read back: `windows` (default) answers 404 for
   * ADMX-backed Policy CSP nodes (a value `<enabled/>…`/`<disabled/>`, or a policy of an ingested
   * ADMX file) and 405 for write-only nodes (account passwords, PFX certificates and their
   * passwords); `all` returns every value, like a generic OMA-DM client.
   */
  getAnswers?: 'windows' | 'all';
}

/** Numbering and references of the answers {@link DeviceModel.apply} builds. */
export interface ApplyOptions {
  /** The MsgID of the server message the command came in; written as every Status's `MsgRef`. Default 1. */
  msgRef?: number;
  /** The CmdID of the first answer; statuses are numbered first, then results. Default 1. */
  firstCmdId?: number;
}

/** What the device answers to one command. */
export interface ApplyResult {
  /** One Status per command (per item when the items of a command ended differently); none for `NoResp`. */
  statuses: Status[];
  /** One `Results` per `Get` that found something. */
  results: Results[];
}

/** An MSI install that finished between sessions, reported at the start of the next one. */
export interface InstallReport {
  /** The `DownloadInstall` LocURI as the server sent it in the Exec. */
  locUri: string;
  productCode: string;
  /** 0 on success, else the installer's error. */
  result: number;
}

interface Leaf {
  value: string;
  format: string;
}

interface PendingInstall {
  locUri: string;
  productCode: string;
  version: string;
  /** Normalised `.../MSI/{ProductCode}` where the app's status nodes go. */
  base: string;
}

interface ChunkBuffer {
  size: number;
  data: string;
  format: string | undefined;
}

type Undo =
  | { kind: 'leaf'; uri: string; previous: Leaf | undefined }
  | { kind: 'interior'; uri: string; existed: boolean }
  | { kind: 'install'; productCode: string; previous: PendingInstall | undefined };

const MSI_EXEC = /^(.*\/EnterpriseDesktopAppManagement\/MSI\/([^/]+))\/DownloadInstall$/;
const PRODUCT_VERSION = /<Product\b[^>]*?\bVersion\s*=\s*["']([^"']*)["']/;

/** The subtrees no command may change by default (405). Internal to the package (the lean device answers by them too). */
export const DEFAULT_READ_ONLY = ['./DevInfo', './DevDetail', './Vendor/MSFT/DeviceStatus'];
/** A Policy CSP node, and one of an ingested ADMX file's namespace (`{AppName}~Policy~…`). */
const POLICY_CONFIG = /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\//;
const INGESTED_POLICY = /^\.\/(?:Device|User)\/Vendor\/MSFT\/Policy\/Config\/[^/~]+~(?:Policy|Preference)(?:~[^/]*)?\/[^/]+$/;
/** An ADMX-backed value as servers send it, raw, in CDATA or entity-escaped, in any letter case. */
const ADMX_PAYLOAD = /^\s*(?:<!\[CDATA\[\s*)?(?:<|&lt;)(?:enabled|disabled)\b/i;
/** Nodes whose value Windows takes but never returns. */
const WRITE_ONLY = [/\/Vendor\/MSFT\/Accounts\/Users\/[^/]+\/Password$/, /\/Vendor\/MSFT\/ClientCertificateInstall\/PFXCertInstall\/[^/]+\/(?:PFXCertBlob|PFXCertPassword)$/];
/** The MSI inventory nodes every Windows device has (interior, empty until an install). Internal to the package. */
export const MSI_ROOTS = ['./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI', './User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI'];
/** The subtrees whose instances must be created with `Add` first, by default. Internal to the package. */
export const DEFAULT_ADD_ONLY = [
  './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
  './User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
  './Device/Vendor/MSFT/EnterpriseModernAppManagement',
  './User/Vendor/MSFT/EnterpriseModernAppManagement',
  './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall',
  './Device/Vendor/MSFT/WiFi/Profile',
  './Device/Vendor/MSFT/VPNv2',
];

function isSuccess(code: number): boolean {
  return code >= 200 && code < 300;
}

function status(msgRef: number, cmdRef: number, cmd: string, code: number, targetRefs: string[]): Status {
  return { kind: 'Status', cmdId: 0, msgRef, cmdRef, cmd, targetRefs, sourceRefs: [], data: String(code), items: [] };
}

/**
 * The management tree of one simulated Windows device, and how Windows' OMA-DM client answers the
 * commands that change it. Pure: no I/O, no clock, no randomness; the same commands in the same
 * order always give the same answers.
 *
 * The tree is a map of LocURI to value (leaves) plus a set of interior nodes, seeded with a
 * Windows 11 inventory that is read-only. Answers follow Windows:
 * - `Replace` sets a value, creating the node (the Policy CSP accepts Replace of an unset policy): 200;
 *   read-only or interior node 405; missing node below an `addOnlyPrefixes` subtree 404.
 * - `Add` creates (a leaf, or an interior node with Meta Format `node`): 200; existing 418; read-only 405.
 * - `Delete` removes the node and its subtree: 200; missing 404; read-only (or holding read-only nodes) 405.
 * - `Get`: 200 and a `Results` item (Source, Meta Format, Data); an interior node lists its children
 *   (Format `node`, names joined by `/`); missing 404 and no Results. Like Windows, an ADMX-backed
 *   Policy CSP node answers 404 and a write-only node 405 (option `getAnswers`).
 * - `Exec` of `.../EnterpriseDesktopAppManagement/MSI/{ProductCode}/DownloadInstall` (after its `Add`)
 *   with an `MsiInstallJob`: 202; the install finishes before the next session, which reports it
 *   ({@link DeviceModel.beginSession}). Other `Exec`: 200.
 * - `Atomic`: all or nothing; when a command inside fails, every inner success is rolled back and
 *   answered 216, the failing command keeps its code, the Atomic gets 507. `Sequence`: in order.
 * - Large objects: chunks (`MoreData`) are buffered per LocURI and answered 213; the last chunk
 *   applies the whole value if its byte size equals the first chunk's `Meta/Size` (else 424; no
 *   Size at all: 411). The first chunk is admitted like a whole command (failure rules, 404, 405,
 *   418 are answered to it); a chunk that arrives without a buffered beginning is taken for a
 *   whole value, as a generic OMA-DM client does, so a server that keeps sending after a refused
 *   first chunk leaves a fragment on the device.
 * - Items without a Target answer 400; `Copy` 406 (Windows does not support it); `Alert` 200.
 *
 * @example
 * ```ts
 * const model = new DeviceModel({ devId: 'WIN-1', failures: [{ match: /Browser/, code: 500, times: 1 }] });
 * const { statuses } = model.apply(
 *   { kind: 'Replace', cmdId: 5, items: [{ target: { locURI: './Vendor/MSFT/Policy/Config/Browser/AllowCookies' }, data: '2' }] },
 *   { msgRef: 1, firstCmdId: 2 },
 * );
 * statuses[0]?.data; // '500' (the injected failure); the next Replace answers '200'
 * ```
 */
export class DeviceModel {
  readonly #leaves = new Map<string, Leaf>();
  readonly #interior = new Set<string>();
  readonly #readOnly = new Set<string>();
  readonly #readOnlyPrefixes: readonly string[];
  readonly #addOnlyPrefixes: readonly string[];
  readonly #failures: readonly FailureRule[];
  /** Each string rule's LocURI, normalised once. */
  readonly #failureKeys: readonly (string | undefined)[];
  /** Failures left per rule; `Infinity` when the rule has no `times`. */
  readonly #failuresLeft: number[];
  readonly #success: Readonly<Record<'Add' | 'Replace' | 'Delete' | 'Exec', number>>;
  readonly #installResults: Readonly<Record<string, number>>;
  readonly #getAnswers: 'windows' | 'all';
  readonly #pendingInstalls = new Map<string, PendingInstall>();
  readonly #chunks = new Map<string, ChunkBuffer>();
  /** Undo log while an Atomic runs; nested Atomics share it and remember where they started. */
  #undo: Undo[] | undefined;

  constructor(options: DeviceModelOptions = {}) {
    this.#readOnlyPrefixes = (options.readOnlyPrefixes ?? DEFAULT_READ_ONLY).map(normalizeLocUri);
    this.#addOnlyPrefixes = (options.addOnlyPrefixes ?? DEFAULT_ADD_ONLY).map(normalizeLocUri);
    this.#failures = options.failures ?? [];
    this.#failuresLeft = this.#failures.map((rule) => rule.times ?? Number.POSITIVE_INFINITY);
    this.#failureKeys = this.#failures.map((rule) => (typeof rule.match === 'string' ? normalizeLocUri(rule.match) : undefined));
    this.#success = {
      Add: options.successStatus?.Add ?? StatusCodes.OK,
      Replace: options.successStatus?.Replace ?? StatusCodes.OK,
      Delete: options.successStatus?.Delete ?? StatusCodes.OK,
      Exec: options.successStatus?.Exec ?? StatusCodes.OK,
    };
    this.#installResults = options.installResults ?? {};
    this.#getAnswers = options.getAnswers ?? 'windows';
    const inventory = { ...(options.inventory ?? DEFAULT_INVENTORY), './DevInfo/DevId': options.devId ?? 'WINMDM-SIM-0001' };
    for (const [uri, value] of Object.entries(inventory)) {
      const key = normalizeLocUri(uri);
      this.#setLeaf(key, { value, format: 'chr' });
      this.#readOnly.add(key);
    }
    for (const [uri, value] of Object.entries(options.nodes ?? {})) this.#setLeaf(normalizeLocUri(uri), { value, format: 'chr' });
    // Windows always has the MSI inventory nodes; their value lists the installed product codes.
    for (const uri of MSI_ROOTS) this.#addInterior(uri);
  }

  /** The value of a leaf node, or `undefined` when there is none (interior nodes have no value). */
  get(locUri: string): string | undefined {
    return this.#leaves.get(normalizeLocUri(locUri))?.value;
  }

  /**
   * Changes a node behind the server's back, as a local administrator, a user or another agent
   * would: sets the leaf to `value` (Format `format`, default `chr`), or removes it with its subtree
   * when `value` is `null`. No Status goes anywhere; the server learns of it only by reading the
   * node back (drift detection).
   *
   * @example
   * ```ts
   * model.tamper('./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength', '4', 'int');
   * ```
   */
  tamper(locUri: string, value: string | null, format = 'chr'): void {
    const key = normalizeLocUri(locUri);
    if (value !== null) {
      this.#setLeaf(key, { value, format });
      return;
    }
    const below = `${key}/`;
    for (const uri of [...this.#leaves.keys()]) if (uri === key || uri.startsWith(below)) this.#leaves.delete(uri);
    for (const uri of [...this.#interior]) if (uri === key || uri.startsWith(below)) this.#interior.delete(uri);
  }

  /** Whether the node (leaf or interior) exists. */
  has(locUri: string): boolean {
    const key = normalizeLocUri(locUri);
    return this.#leaves.has(key) || this.#interior.has(key);
  }

  /** Every leaf as `[normalised LocURI, value]`, in creation order. */
  *entries(): IterableIterator<[string, string]> {
    for (const [uri, leaf] of this.#leaves) yield [uri, leaf.value];
  }

  /**
   * Starts a session: forgets large-object chunks of an earlier session that never completed,
   * and finishes the MSI installs started in earlier sessions. An installed app shows as
   * `.../MSI/{ProductCode}/Version` (its version), `Status` 70 and `LastError` 0; a failed one as
   * `Status` 60 and `LastError` (the error). Returns what the device reports in its first message.
   */
  beginSession(): InstallReport[] {
    this.#chunks.clear();
    const reports: InstallReport[] = [];
    for (const install of this.#pendingInstalls.values()) {
      const result = this.#installResults[install.productCode] ?? 0;
      if (result === 0) this.#setLeaf(`${install.base}/Version`, { value: install.version, format: 'chr' });
      this.#setLeaf(`${install.base}/Status`, { value: result === 0 ? MSI_INSTALLED : MSI_FAILED, format: 'int' });
      this.#setLeaf(`${install.base}/LastError`, { value: String(result), format: 'int' });
      reports.push({ locUri: install.locUri, productCode: install.productCode, result });
    }
    this.#pendingInstalls.clear();
    return reports;
  }

  /**
   * Applies one command of a server message and returns the device's answers: Status (with
   * MsgRef, CmdRef, Cmd, TargetRef and the code) and, for `Get`, Results. CmdIDs are numbered
   * from `options.firstCmdId`, statuses first. A `Status` or `Results` from the server needs no answer.
   */
  apply(command: Command, options: ApplyOptions = {}): ApplyResult {
    const out: ApplyResult = { statuses: [], results: [] };
    this.#command(command, options.msgRef ?? 1, out);
    let cmdId = options.firstCmdId ?? 1;
    for (const s of out.statuses) s.cmdId = cmdId++;
    for (const r of out.results) r.cmdId = cmdId++;
    return out;
  }

  /** Applies `command`, appending its answers to `out`; whether everything in it succeeded. */
  #command(command: Command, msgRef: number, out: ApplyResult): boolean {
    switch (command.kind) {
      case 'Status':
      case 'Results':
        return true;
      case 'Alert':
        if (command.noResp !== true) out.statuses.push(status(msgRef, command.cmdId, 'Alert', StatusCodes.OK, []));
        return true;
      case 'Copy':
        if (command.noResp !== true) {
          out.statuses.push(status(msgRef, command.cmdId, 'Copy', StatusCodes.OPTIONAL_FEATURE_NOT_SUPPORTED, targets(command.items)));
        }
        return false;
      case 'Atomic':
        return this.#atomic(command.cmdId, command.noResp === true, command.commands, msgRef, out);
      case 'Sequence': {
        const own = status(msgRef, command.cmdId, 'Sequence', StatusCodes.OK, []);
        if (command.noResp !== true) out.statuses.push(own);
        let ok = true;
        for (const inner of command.commands) ok = this.#command(inner, msgRef, out) && ok;
        return ok;
      }
      case 'Exec':
        return this.#items(command.kind, command.cmdId, command.noResp === true, command.items, undefined, msgRef, out);
      default:
        return this.#items(command.kind, command.cmdId, command.noResp === true, command.items, command, msgRef, out);
    }
  }

  #atomic(cmdId: number, noResp: boolean, commands: readonly Command[], msgRef: number, out: ApplyResult): boolean {
    const own = status(msgRef, cmdId, 'Atomic', StatusCodes.OK, []);
    if (!noResp) out.statuses.push(own);
    const firstStatus = out.statuses.length;
    const firstResult = out.results.length;
    const outermost = this.#undo === undefined;
    const undo = (this.#undo ??= []);
    const mark = undo.length;
    let ok = true;
    for (const inner of commands) ok = this.#command(inner, msgRef, out) && ok;
    if (!ok) {
      for (let i = undo.length - 1; i >= mark; i--) this.#revert(undo[i] as Undo);
      undo.length = mark;
      for (let i = firstStatus; i < out.statuses.length; i++) {
        const s = out.statuses[i] as Status;
        if (isSuccess(Number(s.data))) s.data = String(StatusCodes.ATOMIC_ROLLBACK_OK);
      }
      // Rolled-back Gets did not happen either: their values are not reported.
      out.results.length = firstResult;
      own.data = String(StatusCodes.ATOMIC_FAILED);
    }
    if (outermost) this.#undo = undefined;
    return ok;
  }

  #items(
    kind: FailureCommandKind,
    cmdId: number,
    noResp: boolean,
    items: readonly Item[],
    command: ItemCommand<'Add' | 'Replace' | 'Delete' | 'Get' | 'Copy'> | undefined,
    msgRef: number,
    out: ApplyResult,
  ): boolean {
    if (items.length === 0) {
      if (!noResp) out.statuses.push(status(msgRef, cmdId, kind, StatusCodes.BAD_REQUEST, []));
      return false;
    }
    const codes: number[] = [];
    const found: Item[] = [];
    for (const item of items) {
      const uri = item.target?.locURI;
      codes.push(uri === undefined || uri === '' ? StatusCodes.BAD_REQUEST : this.#item(kind, item, uri, command?.meta?.format, command?.meta?.size, found));
    }
    const first = codes[0] as number;
    if (!noResp) {
      if (codes.every((code) => code === first)) {
        out.statuses.push(status(msgRef, cmdId, kind, first, targets(items)));
      } else {
        // Items that ended differently each get their own Status, told apart by TargetRef.
        items.forEach((item, i) => {
          out.statuses.push(status(msgRef, cmdId, kind, codes[i] as number, targets([item])));
        });
      }
    }
    if (found.length > 0) {
      out.results.push({ kind: 'Results', cmdId: 0, msgRef, cmdRef: cmdId, cmd: 'Get', targetRefs: [], sourceRefs: [], items: found });
    }
    return codes.every(isSuccess);
  }

  #item(
    kind: FailureCommandKind,
    item: Item,
    uri: string,
    commandFormat: string | undefined,
    commandSize: number | undefined,
    found: Item[],
  ): number {
    const key = normalizeLocUri(uri);
    switch (kind) {
      case 'Get':
        return this.#failure(kind, uri, key) ?? this.#get(uri, key, found);
      case 'Delete':
        return this.#failure(kind, uri, key) ?? this.#delete(key);
      case 'Exec':
        return this.#failure(kind, uri, key) ?? this.#exec(uri, key, item.data);
      default: {
        let data = item.data ?? '';
        let format = item.meta?.format ?? commandFormat;
        const buffered = this.#chunks.get(key);
        if (item.moreData === true) {
          if (buffered !== undefined) {
            buffered.data += data;
            return StatusCodes.CHUNKED_ITEM_ACCEPTED;
          }
          const size = item.meta?.size ?? commandSize;
          if (size === undefined) return SIZE_REQUIRED;
          // The object is admitted or refused at its first chunk, like a whole command; a refused
          // one leaves nothing buffered, so its later chunks arrive without a beginning.
          const refused = this.#failure(kind, uri, key) ?? this.#admit(kind, key);
          if (refused !== undefined) return refused;
          this.#chunks.set(key, { size, data, format });
          return StatusCodes.CHUNKED_ITEM_ACCEPTED;
        }
        if (buffered !== undefined) {
          this.#chunks.delete(key);
          data = buffered.data + data;
          format = buffered.format ?? format;
          if (Buffer.byteLength(data, 'utf8') !== buffered.size) return SIZE_MISMATCH;
          return kind === 'Add' ? this.#add(key, data, format) : this.#replace(key, data, format);
        }
        return this.#failure(kind, uri, key) ?? (kind === 'Add' ? this.#add(key, data, format) : this.#replace(key, data, format));
      }
    }
  }

  #failure(kind: FailureCommandKind, uri: string, key: string): number | undefined {
    for (let i = 0; i < this.#failures.length; i++) {
      const rule = this.#failures[i] as FailureRule;
      if ((this.#failuresLeft[i] as number) <= 0) continue;
      if (rule.commands !== undefined && !rule.commands.includes(kind)) continue;
      let matches: boolean;
      if (typeof rule.match === 'string') {
        matches = rule.match === uri || this.#failureKeys[i] === key;
      } else {
        rule.match.lastIndex = 0; // a /g or /y pattern keeps state between tests
        matches = rule.match.test(uri);
      }
      if (matches) {
        this.#failuresLeft[i] = (this.#failuresLeft[i] as number) - 1;
        return rule.code;
      }
    }
    return undefined;
  }

  #get(uri: string, key: string, found: Item[]): number {
    const leaf = this.#leaves.get(key);
    if (leaf !== undefined && this.#getAnswers === 'windows') {
      if (POLICY_CONFIG.test(key) && (INGESTED_POLICY.test(key) || ADMX_PAYLOAD.test(leaf.value))) return StatusCodes.NOT_FOUND;
      if (WRITE_ONLY.some((pattern) => pattern.test(key))) return StatusCodes.COMMAND_NOT_ALLOWED;
    }
    if (leaf !== undefined) {
      found.push({ source: { locURI: uri }, meta: { format: leaf.format }, data: leaf.value });
      return StatusCodes.OK;
    }
    if (this.#interior.has(key)) {
      found.push({ source: { locURI: uri }, meta: { format: 'node' }, data: this.#children(key).join('/') });
      return StatusCodes.OK;
    }
    return StatusCodes.NOT_FOUND;
  }

  /** Why an `Add` or `Replace` of `key` would be refused before its value is known (the checks of `#add` and `#replace`), or undefined. */
  #admit(kind: FailureCommandKind, key: string): number | undefined {
    if (this.#isReadOnly(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
    if (kind === 'Add') {
      if (this.#leaves.has(key) || this.#interior.has(key)) return StatusCodes.ALREADY_EXISTS;
      if (this.#underLeaf(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
      return undefined;
    }
    if (this.#interior.has(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
    if (!this.#leaves.has(key)) {
      if (this.#addOnlyPrefixes.some((prefix) => key.startsWith(`${prefix}/`))) return StatusCodes.NOT_FOUND;
      if (this.#underLeaf(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
    }
    return undefined;
  }

  #add(key: string, data: string, format: string | undefined): number {
    const refused = this.#admit('Add', key);
    if (refused !== undefined) return refused;
    if (format === 'node') this.#addInterior(key);
    else this.#setLeaf(key, { value: data, format: format ?? 'chr' });
    return this.#success.Add;
  }

  #replace(key: string, data: string, format: string | undefined): number {
    const refused = this.#admit('Replace', key);
    if (refused !== undefined) return refused;
    this.#setLeaf(key, { value: data, format: format ?? 'chr' });
    return this.#success.Replace;
  }

  #delete(key: string): number {
    if (this.#isReadOnly(key) || this.#holdsReadOnly(key)) return StatusCodes.COMMAND_NOT_ALLOWED;
    if (this.#leaves.has(key)) {
      this.#deleteLeaf(key);
      return this.#success.Delete;
    }
    if (!this.#interior.has(key)) return StatusCodes.NOT_FOUND;
    const below = `${key}/`;
    for (const uri of [...this.#leaves.keys()]) if (uri.startsWith(below)) this.#deleteLeaf(uri);
    for (const uri of [...this.#interior]) if (uri.startsWith(below)) this.#deleteInterior(uri);
    this.#deleteInterior(key);
    return this.#success.Delete;
  }

  #exec(uri: string, key: string, data: string | undefined): number {
    const msi = MSI_EXEC.exec(key);
    if (msi === null) return this.#success.Exec;
    // The DownloadInstall node is created by the server's Add before the Exec.
    if (!this.#leaves.has(key) && !this.#interior.has(key)) return StatusCodes.NOT_FOUND;
    if (data === undefined || !data.includes('<MsiInstallJob')) return StatusCodes.BAD_REQUEST;
    const base = msi[1] as string;
    const productCode = msi[2] as string;
    const install: PendingInstall = { locUri: uri, productCode, version: PRODUCT_VERSION.exec(data)?.[1] ?? '', base };
    this.#undo?.push({ kind: 'install', productCode, previous: this.#pendingInstalls.get(productCode) });
    this.#pendingInstalls.set(productCode, install);
    return StatusCodes.ACCEPTED;
  }

  #isReadOnly(key: string): boolean {
    return this.#readOnly.has(key) || this.#readOnlyPrefixes.some((prefix) => isAtOrBelow(key, prefix));
  }

  /** Whether deleting `key` would take read-only nodes with it. */
  #holdsReadOnly(key: string): boolean {
    const below = `${key}/`;
    if (this.#readOnlyPrefixes.some((prefix) => prefix.startsWith(below))) return true;
    for (const uri of this.#readOnly) if (uri.startsWith(below)) return true;
    return false;
  }

  /** Whether an ancestor of `key` is a leaf (a value cannot have children). */
  #underLeaf(key: string): boolean {
    for (let slash = key.lastIndexOf('/'); slash > 1; slash = key.lastIndexOf('/', slash - 1)) {
      const parent = key.slice(0, slash);
      if (this.#interior.has(parent)) return false;
      if (this.#leaves.has(parent)) return true;
    }
    return false;
  }

  #children(key: string): string[] {
    const below = `${key}/`;
    const names = new Set<string>();
    const collect = (uri: string): void => {
      if (!uri.startsWith(below)) return;
      const rest = uri.slice(below.length);
      const slash = rest.indexOf('/');
      names.add(slash === -1 ? rest : rest.slice(0, slash));
    };
    for (const uri of this.#leaves.keys()) collect(uri);
    for (const uri of this.#interior) collect(uri);
    return [...names];
  }

  #setLeaf(key: string, leaf: Leaf): void {
    this.#undo?.push({ kind: 'leaf', uri: key, previous: this.#leaves.get(key) });
    this.#leaves.set(key, leaf);
    this.#addParents(key);
  }

  #deleteLeaf(key: string): void {
    this.#undo?.push({ kind: 'leaf', uri: key, previous: this.#leaves.get(key) });
    this.#leaves.delete(key);
  }

  #addInterior(key: string): void {
    if (this.#interior.has(key)) return;
    this.#undo?.push({ kind: 'interior', uri: key, existed: false });
    this.#interior.add(key);
    this.#addParents(key);
  }

  #deleteInterior(key: string): void {
    this.#undo?.push({ kind: 'interior', uri: key, existed: true });
    this.#interior.delete(key);
  }

  /** Creates the interior nodes above `key` that do not exist yet (stops at the first that does). */
  #addParents(key: string): void {
    for (let slash = key.lastIndexOf('/'); slash > 1; slash = key.lastIndexOf('/', slash - 1)) {
      const parent = key.slice(0, slash);
      if (this.#interior.has(parent)) return;
      this.#undo?.push({ kind: 'interior', uri: parent, existed: false });
      this.#interior.add(parent);
    }
  }

  #revert(entry: Undo): void {
    switch (entry.kind) {
      case 'leaf':
        if (entry.previous === undefined) this.#leaves.delete(entry.uri);
        else this.#leaves.set(entry.uri, entry.previous);
        break;
      case 'interior':
        if (entry.existed) this.#interior.add(entry.uri);
        else this.#interior.delete(entry.uri);
        break;
      case 'install':
        if (entry.previous === undefined) this.#pendingInstalls.delete(entry.productCode);
        else this.#pendingInstalls.set(entry.productCode, entry.previous);
        break;
    }
  }
}

function targets(items: readonly Item[]): string[] {
  const refs: string[] = [];
  for (const item of items) if (item.target !== undefined && item.target.locURI !== '') refs.push(item.target.locURI);
  return refs;
}
