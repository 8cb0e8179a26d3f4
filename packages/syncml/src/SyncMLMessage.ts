/**
 * The typed AST of a SyncML DM 1.2 message as Windows' OMA-DM client and servers exchange it
 * ([MS-MDM], OMA-DM 1.2 representation protocol). Field names follow the element names in
 * camelCase. Lists are always present (empty when absent on the wire) so that consumers never
 * have to tell "missing" from "empty"; optional scalars are absent rather than `undefined`.
 *
 * @example
 * ```ts
 * const msg: SyncMLMessage = {
 *   header: {
 *     verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: 1,
 *     target: { locURI: 'device-1' }, source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc' },
 *   },
 *   body: [{ kind: 'Get', cmdId: 2, items: [{ target: { locURI: './DevDetail/SwV' } }] }],
 *   final: true,
 * };
 * ```
 */
export interface SyncMLMessage {
  header: SyncHdr;
  /** The commands of `SyncBody`, in wire order. */
  body: Command[];
  /** Whether `SyncBody` ends with `<Final/>`. */
  final: boolean;
}

/** A `Target` or `Source` element. */
export interface Location {
  locURI: string;
  locName?: string;
}

/**
 * `Meta` with the `syncml:metinf` children Windows uses. On the wire each child may carry
 * `xmlns="syncml:metinf"` or not; the serializer always writes it. Numeric fields are integers ≥ 0.
 */
export interface Meta {
  format?: string;
  type?: string;
  mark?: string;
  size?: number;
  maxObjSize?: number;
  maxMsgSize?: number;
  nextNonce?: string;
  version?: string;
}

/** `Cred` in the header (basic or MD5 credentials; Windows uses client certificates instead). */
export interface Cred {
  meta?: Meta;
  data: string;
}

/** `SyncHdr`: who talks to whom in which session and message, with optional credentials and limits. */
export interface SyncHdr {
  verDTD: '1.2';
  verProto: 'DM/1.2';
  sessionId: string;
  /** A positive integer, unique per message within the session. */
  msgId: number;
  target: Location;
  source: Location;
  cred?: Cred;
  /** `MaxMsgSize`/`MaxObjSize` announce what the sender accepts (Intune: 524288). */
  meta?: Meta;
  respURI?: string;
  /** `<NoResp/>`; `false` is written like absent. */
  noResp?: boolean;
}

/** One `Item` of a command: the node addressed (Target/Source), its Meta, its value. */
export interface Item {
  target?: Location;
  source?: Location;
  meta?: Meta;
  /**
   * Character data of `Data`. XML payloads (an `MsiInstallJob`, an ADMX file, `<enabled/>...`)
   * are kept as a string, whether they arrived in CDATA or entity-escaped.
   */
  data?: string;
  /** `<MoreData/>`: this item is a chunk of a large object and more chunks follow (`false` is written like absent). */
  moreData?: boolean;
}

interface CommandBase {
  /** Unique within a message (nested commands included), a positive integer. */
  cmdId: number;
  /** `<NoResp/>`: the sender wants no Status for this command (`false` is written like absent). */
  noResp?: boolean;
}

/** `Alert`: session start (1201), client events (1224: LoginStatus, sync type), generic alerts (1226). */
export interface Alert extends CommandBase {
  kind: 'Alert';
  /** The alert code, e.g. `1201` (client-initiated session), `1224` (generic alert). */
  data: string;
  correlator?: string;
  items: Item[];
}

/**
 * `Status`: the outcome of one command (or of the SyncHdr) of message `msgRef`. Windows answers
 * 200 and 202 for success; see `StatusCodes`.
 */
export interface Status {
  kind: 'Status';
  cmdId: number;
  msgRef: number;
  /** `0` refers to the `SyncHdr`. */
  cmdRef: number;
  cmd: string;
  targetRefs: string[];
  sourceRefs: string[];
  chal?: { meta: Meta };
  /** The status code as sent, e.g. `"200"`. */
  data: string;
  items: Item[];
}

/** `Results`: the values a `Get` (command `cmdRef` of message `msgRef`) asked for. */
export interface Results {
  kind: 'Results';
  cmdId: number;
  msgRef?: number;
  cmdRef: number;
  /** Windows sends `Cmd` in Results; other clients (libdmclient) omit it. */
  cmd?: string;
  meta?: Meta;
  targetRefs: string[];
  sourceRefs: string[];
  items: Item[];
}

/** The commands that act on the nodes their items address. */
export interface ItemCommand<K extends 'Add' | 'Replace' | 'Delete' | 'Get' | 'Copy'> extends CommandBase {
  kind: K;
  meta?: Meta;
  items: Item[];
}

/** `Add`: create a node (a device answers 418 if it exists). */
export type Add = ItemCommand<'Add'>;
/** `Replace`: set a node's value (a device answers 404 if it does not exist). */
export type Replace = ItemCommand<'Replace'>;
/** `Delete`: remove a node (for ADMX-backed policies: back to "not configured"). */
export type Delete = ItemCommand<'Delete'>;
/** `Get`: read nodes; the device answers with a `Status` and a `Results`. */
export type Get = ItemCommand<'Get'>;
/** `Copy`: copy a node (part of the DTD; Windows does not use it). */
export type Copy = ItemCommand<'Copy'>;

/** `Exec`: run a node (e.g. `.../MSI/{ProductCode}/DownloadInstall` with an `MsiInstallJob`). */
export interface Exec extends CommandBase {
  kind: 'Exec';
  meta?: Meta;
  correlator?: string;
  items: Item[];
}

/** `Atomic` and `Sequence` group other commands. */
export interface Container<K extends 'Atomic' | 'Sequence'> extends CommandBase {
  kind: K;
  meta?: Meta;
  commands: Command[];
}

/** `Atomic`: all of its commands succeed or all are rolled back. */
export type Atomic = Container<'Atomic'>;
/** `Sequence`: its commands run in order. */
export type Sequence = Container<'Sequence'>;

/** Any command of `SyncBody`, discriminated by `kind` (the element name). */
export type Command = Alert | Status | Results | Add | Replace | Delete | Get | Copy | Exec | Atomic | Sequence;

/** The element name of every command the codec knows. */
export type CommandKind = Command['kind'];
