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

/** `Meta` with the `syncml:metinf` children Windows uses. */
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

export interface SyncHdr {
  verDTD: '1.2';
  verProto: 'DM/1.2';
  sessionId: string;
  msgId: number;
  target: Location;
  source: Location;
  cred?: Cred;
  meta?: Meta;
  respURI?: string;
  noResp?: boolean;
}

export interface Item {
  target?: Location;
  source?: Location;
  meta?: Meta;
  /**
   * Character data of `Data`. XML payloads (an `MsiInstallJob`, an ADMX file, `<enabled/>...`)
   * are kept as a string, whether they arrived in CDATA or entity-escaped.
   */
  data?: string;
  /** `<MoreData/>`: this item is a chunk of a large object and more chunks follow. */
  moreData?: boolean;
}

interface CommandBase {
  /** Unique within a message, never 0. */
  cmdId: number;
  noResp?: boolean;
}

export interface Alert extends CommandBase {
  kind: 'Alert';
  /** The alert code, e.g. `1201` (client-initiated session), `1224` (generic alert). */
  data: string;
  correlator?: string;
  items: Item[];
}

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

export interface ItemCommand<K extends 'Add' | 'Replace' | 'Delete' | 'Get' | 'Copy'> extends CommandBase {
  kind: K;
  meta?: Meta;
  items: Item[];
}

export type Add = ItemCommand<'Add'>;
export type Replace = ItemCommand<'Replace'>;
export type Delete = ItemCommand<'Delete'>;
export type Get = ItemCommand<'Get'>;
export type Copy = ItemCommand<'Copy'>;

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

export type Atomic = Container<'Atomic'>;
export type Sequence = Container<'Sequence'>;

export type Command = Alert | Status | Results | Add | Replace | Delete | Get | Copy | Exec | Atomic | Sequence;

/** The element name of every command the codec knows. */
export type CommandKind = Command['kind'];
