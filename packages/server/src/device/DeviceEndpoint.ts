import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { AlertCodes, parseMessage, serializeMessage, StatusCodes, SyncMLError, type SyncHdr, type SyncMLMessage } from '@winmdm/syncml';
import {
  DEFAULT_RETRY,
  nodeTransition,
  planCommands,
  resolveEffectivePolicy,
  ResolutionCache,
  summaryFromResults,
  type NodeCommand,
  type NodeRecord,
  type RetryPolicy,
  type DeviceState,
  type KnownNode,
  type NodeKind,
  type PlannedNode,
} from '@winmdm/policy';
import type { Logger } from 'pino';
import type { Thumbprints } from '../tls/thumbprint.js';
import type { DeviceKey, DeviceRow, JsonObject, NodeStateRow, Store, StoreTx } from '../store/Store.js';
import type { PolicySource, PolicySnapshot } from './PolicySource.js';
import {
  journalEntries,
  newSessionState,
  restoreSessionState,
  type JournalNode,
  type QueuedCommand,
  type SessionState,
} from './SessionState.js';
import { processIncoming, type IncomingEffects } from './processIncoming.js';
import { composeResponse, headerStatus, responseHeader } from './composeResponse.js';
import { inventoryDue, recordInventoryFailures, type InventoryKind } from './inventoryDue.js';
import { verificationDue, verificationOf } from './verificationDue.js';
import { applyReport, mergeSummary } from './applyReport.js';
import { unresolvedOf, withCompliance } from './deviceCompliance.js';
import { placeOf, recordOf, rowOf, sameRecord, sentRecord } from './nodeRows.js';
import { replayDecision } from './replayDecision.js';
import type { DeviceMessageOutcome, Metrics } from '../metrics/Metrics.js';
import { completeRenewal } from '../enrollment/recordEnrollment.js';

/**
 * Why the device endpoint refused a message, as the `Winmdm-Refusal` header of its 401/403/415 says
 * it (so that a client can tell its user without the server giving anything away: an unknown
 * certificate and an unknown device are the same answer). The media-type refusals
 * (`wbxml-not-supported`, `unsupported-media-type`, `not-oma-dm`) are set by the HTTP layer, and
 * `not-oma-dm` by {@link DeviceEndpoint.handle} for a DS-typed body that is not SyncML DM 1.2.
 */
export type DeviceRefusal =
  | 'no-client-certificate'
  | 'certificate-not-trusted'
  | 'unknown-device'
  | 'source-mismatch'
  | 'wbxml-not-supported'
  | 'unsupported-media-type'
  | 'not-oma-dm';

/**
 * The media types a device message may come in: OMA-DM's own, and the SyncML DS type that some
 * generic OMA-DM 1.2 clients send DM messages in. The answer is in the type the message came in.
 */
export const DEVICE_MEDIA_TYPES = ['application/vnd.syncml.dm+xml', 'application/vnd.syncml+xml'] as const;

/** One of {@link DEVICE_MEDIA_TYPES}. */
export type DeviceMediaType = (typeof DEVICE_MEDIA_TYPES)[number];

/** How the caller of the device endpoint authenticated. */
export type DeviceIdentity =
  | { kind: 'certificate'; thumbprints: Thumbprints }
  /** `--dev-auth` on a loopback peer: the SyncHdr Source is trusted as it is. */
  | { kind: 'dev-auth' }
  | { kind: 'none'; reason: string; refusal: Extract<DeviceRefusal, 'no-client-certificate' | 'certificate-not-trusted'> };

/** The HTTP answer of the device endpoint. */
export interface DeviceResponse {
  status: number;
  contentType: string;
  body: string;
  /** Set on a refusal (401/403/415): why, for the `Winmdm-Refusal` header. */
  refusal?: DeviceRefusal;
}

/**
 * A test aid for the crash-safety tests: the process kills itself (SIGKILL, no clean-up) at this
 * point of the n-th device message that reaches its transaction. Never set in production.
 */
export interface CrashPoint {
  at: 'before-commit' | 'after-commit';
  message: number;
}

/** Options of {@link DeviceEndpoint}. */
export interface DeviceEndpointOptions {
  store: Store;
  source: PolicySource;
  logger: Logger;
  /** The URL devices use, for the Source of answers when the device's Target is empty. */
  serverUrl: string;
  now?: () => Date;
  /** Largest accepted request body (default 1 MiB). */
  maxRequestBytes?: number;
  /** MaxMsgSize assumed when the device does not announce one (Windows: 524288). */
  defaultMaxMsgSize?: number;
  /** How often hardware and application inventory is refreshed without being asked (default 24 h). */
  inventoryIntervalMs?: number;
  /**
   * How long after its answer a repeated message of the current session is still a retry and is
   * answered from the log (default 5 minutes). Older repeats are refused, or served afresh when they
   * start a session.
   */
  retryWindowMs?: number;
  /** Where device messages, commands sent and statuses received are counted. */
  metrics?: Metrics;
  /**
   * Merged policy stacks shared by the devices this endpoint serves (default: one of its own,
   * bounded to ~1,000,000 records, ~75 MB at worst). Shared by design: devices of a fleet have
   * few distinct stacks, and after a fleet-wide change each is merged once, not once per device.
   */
  resolutionCache?: ResolutionCache;
  /** How often a failing command is tried before it is quarantined, and the backoff between tries (default 3 tries, 5 minutes doubling). */
  retry?: RetryPolicy;
  /**
   * Drift detection for every policy (`serve --verify-interval`), except policies that opt out
   * with `driftDetection.enabled: false`; without it, only policies that opt in are read back.
   */
  verifyAll?: boolean;
  /** How often a device's settings in scope are read back (default 24 h). */
  verifyIntervalMs?: number;
  /** Read-back Gets per session at most (default 50), so that a check-in stays small; a round goes on over several sessions. */
  maxVerifyGets?: number;
  crash?: CrashPoint;
}

/** What one message did, counted once it is answered (a retried transaction overwrites, never adds). */
interface MessageTally {
  outcome: DeviceMessageOutcome;
  reason?: string;
  verbs: readonly string[];
  statuses: readonly string[];
  /** Set by the message that ends a session: its one log line, written once the message commits. */
  sessionLine?: Record<string, unknown>;
}

const SYNCML: DeviceMediaType = 'application/vnd.syncml.dm+xml';
const DEFAULT_MAX_MSG_SIZE = 524_288;
const DAY_MS = 86_400_000;
/** Windows retries a message it got no answer to within seconds; five minutes is generous. */
const DEFAULT_RETRY_WINDOW_MS = 300_000;
/** The first plan of a session and two re-plans for 404/418 retries; the rest waits for the next session. */
const MAX_PLANS_PER_SESSION = 3;

const KNOWN_STATUS_CODES: ReadonlySet<string> = new Set(Object.values(StatusCodes).map(String));

/**
 * A status code as a bounded label. A device chooses the codes it answers, so a label per code
 * would let one device add a series for every number it sends: the codes Windows uses are
 * labelled as themselves, any other 1xx-5xx code by its class (`4xx`), anything else `invalid`.
 */
function statusLabel(data: string): string {
  const code = data.trim();
  if (KNOWN_STATUS_CODES.has(code)) return code;
  return /^[1-5][0-9]{2}$/.test(code) ? `${code[0] ?? ''}xx` : 'invalid';
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The OMA-DM device endpoint: one call per HTTP request of a Windows device. Each message is
 * handled in one store transaction that holds the device's lock, and everything it changes —
 * acknowledged node states, the session journal, the report, the logged answer — commits before
 * the answer leaves, so a crash at any point loses nothing acknowledged and a retried message
 * gets the byte-identical answer without being applied twice.
 */
export class DeviceEndpoint {
  readonly #o: Required<Omit<DeviceEndpointOptions, 'now' | 'crash' | 'metrics'>> & { now: () => Date; crash?: CrashPoint; metrics?: Metrics };
  readonly #warnedDevAuth = new Set<string>();
  #messages = 0;

  constructor(options: DeviceEndpointOptions) {
    this.#o = {
      maxRequestBytes: 1024 * 1024,
      defaultMaxMsgSize: DEFAULT_MAX_MSG_SIZE,
      inventoryIntervalMs: DAY_MS,
      retryWindowMs: DEFAULT_RETRY_WINDOW_MS,
      retry: DEFAULT_RETRY,
      verifyAll: false,
      verifyIntervalMs: DAY_MS,
      maxVerifyGets: 50,
      now: () => new Date(),
      ...options,
      resolutionCache: options.resolutionCache ?? new ResolutionCache({ maxWeight: 1_000_000 }),
    };
  }

  /** The largest body {@link handle} accepts; the HTTP layer stops reading beyond it. */
  get maxRequestBytes(): number {
    return this.#o.maxRequestBytes;
  }

  /**
   * Answers one device message (the HTTP body) from a device authenticated as `identity`, sent as
   * `mediaType` (default OMA-DM's own): SyncML answers are in that type too.
   */
  async handle(body: Buffer, identity: DeviceIdentity, requestLog?: Logger, mediaType: DeviceMediaType = SYNCML): Promise<DeviceResponse> {
    const started = process.hrtime.bigint();
    const tally: MessageTally = { outcome: 'served', verbs: [], statuses: [] };
    let answer = await this.#handle(body, identity, tally, requestLog ?? this.#o.logger, mediaType);
    // The device's client reads answers in the type it speaks, whatever the path that answered.
    if (answer.contentType === SYNCML && mediaType !== SYNCML) answer = { ...answer, contentType: mediaType };
    const metrics = this.#o.metrics;
    if (metrics) {
      metrics.deviceMessages.inc(tally.reason !== undefined ? { outcome: tally.outcome, reason: tally.reason } : { outcome: tally.outcome });
      metrics.deviceMessageSeconds.observe({ outcome: tally.outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      for (const verb of tally.verbs) metrics.commandsSent.inc({ verb });
      for (const code of tally.statuses) metrics.statusesReceived.inc({ code });
    }
    return answer;
  }

  async #handle(body: Buffer, identity: DeviceIdentity, tally: MessageTally, requestLog: Logger, mediaType: DeviceMediaType): Promise<DeviceResponse> {
    let log = requestLog;
    let message: SyncMLMessage;
    try {
      message = parseMessage(body, { maxBytes: this.#o.maxRequestBytes });
    } catch (error) {
      if (error instanceof SyncMLError && error.code === 'ERR_SYNCML_VERSION' && mediaType !== SYNCML) {
        // The DS media type with a DS message (VerProto SyncML/1.x): data synchronisation, which
        // this server does not speak. Only DM 1.2 is accepted in that type.
        tally.outcome = 'bad_input';
        tally.reason = 'not_oma_dm';
        log.warn({ contentType: mediaType, err: error.message }, 'refused a SyncML message that is not OMA-DM 1.2');
        return {
          status: 415,
          contentType: 'text/plain',
          body: `not OMA-DM 1.2 (${error.message}): this endpoint serves SyncML DM 1.2 only, not SyncML DS\n`,
          refusal: 'not-oma-dm',
        };
      }
      if (error instanceof SyncMLError) {
        tally.outcome = 'bad_input';
        tally.reason = error.code;
        log.warn({ code: error.code, err: error.message }, 'rejected a device message that is not valid SyncML');
        return { status: error.code === 'ERR_SYNCML_TOO_LARGE' ? 413 : 400, contentType: 'text/plain', body: `${error.code}: ${error.message}\n` };
      }
      throw error;
    }
    const header = message.header;
    const winId = header.source.locURI;
    // Every line about this message says which device, session and message it is about.
    log = log.child({ winId, sessionId: header.sessionId, msgId: header.msgId });
    if (identity.kind === 'none') {
      tally.outcome = 'refused';
      tally.reason = 'no_identity';
      log.warn({ reason: identity.reason }, 'refused a device message');
      return this.#refusal(header, 401, identity.refusal);
    }
    // Network I/O (sync agent mode) happens here, before the transaction takes the device's lock.
    const snapshot = await this.#o.source.prepare(winId);
    if (!snapshot.available && 'refuse' in snapshot) {
      tally.outcome = 'refused';
      tally.reason = 'unknown_upstream';
      log.warn({ reason: snapshot.reason }, 'refused a device its policy source does not know');
      return this.#refusal(header, 401, 'unknown-device');
    }
    const key: DeviceKey =
      identity.kind === 'dev-auth' ? { winId } : { thumbprints: [identity.thumbprints.sha256, identity.thumbprints.sha1] };
    const ordinal = ++this.#messages;
    const run = (): Promise<DeviceResponse | 'unknown'> =>
      this.#o.store
        .transaction(async (tx) => {
          const result = await this.#inTransaction(tx, key, identity, message, body, snapshot, tally, log);
          this.#crashAt('before-commit', ordinal);
          return result;
        })
        .catch((error: unknown) => {
          // What the transaction read may never have been committed (SQLite's group commit lets
          // it see the uncommitted writes of an earlier member): the source must not keep it.
          if (snapshot.available) snapshot.discard?.();
          throw error;
        });
    let answer = await run();
    if (answer === 'unknown' && identity.kind === 'dev-auth' && this.#o.source.findDevice) {
      // Sync agent mode: a device seen for the first time gets its local row from upstream.
      if (await this.#o.source.findDevice(winId)) answer = await run();
    }
    if (answer === 'unknown') {
      tally.outcome = 'refused';
      tally.reason = 'unknown_device';
      log.warn({ identity: identity.kind }, 'refused a device message: unknown device or certificate');
      return this.#refusal(header, 401, 'unknown-device');
    }
    this.#crashAt('after-commit', ordinal);
    if (tally.sessionLine) log.info(tally.sessionLine, 'device session');
    return answer;
  }

  #crashAt(point: CrashPoint['at'], ordinal: number): void {
    const crash = this.#o.crash;
    if (crash && crash.at === point && crash.message === ordinal) {
      this.#o.logger.fatal({ point, ordinal }, 'crash point reached: killing the process');
      process.kill(process.pid, 'SIGKILL');
    }
  }

  #refusal(header: SyncHdr, code: 401 | 403, refusal: DeviceRefusal): DeviceResponse {
    const message: SyncMLMessage = {
      header: responseHeader(header, this.#o.serverUrl, this.#o.maxRequestBytes),
      body: [headerStatus(header, code)],
      final: true,
    };
    return { status: code, contentType: SYNCML, body: serializeMessage(message), refusal };
  }

  async #inTransaction(
    tx: StoreTx,
    key: DeviceKey,
    identity: Exclude<DeviceIdentity, { kind: 'none' }>,
    message: SyncMLMessage,
    rawBody: Buffer,
    snapshot: PolicySnapshot,
    tally: MessageTally,
    messageLog: Logger,
  ): Promise<DeviceResponse | 'unknown'> {
    const now = this.#o.now();
    const nowIso = now.toISOString();
    const header = message.header;
    const context = await tx.openDeviceMessage(key, header.sessionId, header.msgId);
    if (!context) return 'unknown';
    let row = context.device;
    const log = messageLog.child({ deviceId: row.id });
    if (row.winId !== header.source.locURI) {
      tally.outcome = 'refused';
      tally.reason = 'source_mismatch';
      log.warn("refused a device message: the SyncHdr Source is not the certificate's device");
      return this.#refusal(header, 403, 'source-mismatch');
    }
    if (identity.kind === 'dev-auth' && !this.#warnedDevAuth.has(row.id)) {
      this.#warnedDevAuth.add(row.id);
      log.warn('DEV AUTH: trusting the SyncHdr Source of this device without a certificate');
    }

    // The first message with a renewed certificate (a retried one too) retires the certificate it replaces.
    const renewed = identity.kind === 'certificate' ? await completeRenewal(tx, row, identity.thumbprints) : undefined;
    if (renewed) {
      // Written now, whatever this message turns out to be (a retry answered from the log too).
      await tx.updateDeviceReport(row.id, renewed, row.convergedFingerprint);
      row = { ...row, report: renewed };
      log.info('a renewed certificate was used: the previous one is revoked');
    }

    const startsSession = message.body.some(
      (c) => c.kind === 'Alert' && (Number(c.data) === AlertCodes.CLIENT_INITIATED_MGMT || Number(c.data) === AlertCodes.SERVER_INITIATED_MGMT),
    );
    const stored = context.session;
    // A retry of a message already answered: the same bytes again, and nothing applied twice.
    const requestSha256 = sha256(rawBody);
    const decision = replayDecision({
      logged: context.logged,
      requestSha256,
      sessionId: header.sessionId,
      msgId: header.msgId,
      startsSession,
      current: stored ? { sessionId: stored.sessionId, lastMsgId: Number(stored.state?.['lastMsgId'] ?? 0) } : undefined,
      now,
      windowMs: this.#o.retryWindowMs,
    });
    if (decision === 'replay' && context.logged) {
      tally.outcome = 'retried';
      log.info('answered a retried message from the log');
      return { status: context.logged.status, contentType: SYNCML, body: context.logged.response };
    }
    if (decision === 'session-over' || decision === 'expired') {
      tally.outcome = 'bad_input';
      tally.reason = 'ERR_NOT_A_RETRY';
      log.warn({ decision }, 'refused a repeated device message that is not a retry');
      const why =
        decision === 'expired'
          ? `was answered more than ${Math.round(this.#o.retryWindowMs / 1000)} s ago and is not answered again`
          : 'belongs to a session the device has left and is not answered again';
      return { status: 400, contentType: 'text/plain', body: `ERR_NOT_A_RETRY: message ${header.msgId} of session ${header.sessionId} ${why}\n` };
    }
    if (snapshot.available && snapshot.shadowDoc && !isDeepStrictEqual(snapshot.shadowDoc, row.doc)) {
      const revision = await tx.updateDeviceDoc(row.id, snapshot.shadowDoc, row.revision);
      if (revision !== undefined) row = { ...row, doc: snapshot.shadowDoc, revision };
    }

    let state: SessionState;
    let pruneLogExcept: string[] | undefined;
    const maxMsgSize = header.meta?.maxMsgSize ?? this.#o.defaultMaxMsgSize;
    if (!stored?.state || stored.sessionId !== header.sessionId || startsSession) {
      state = newSessionState(header.sessionId, nowIso, maxMsgSize);
      // Whatever was sent in an interrupted session and never acknowledged goes out again. A
      // converged device has nothing in flight, so the fast path skips this read.
      if (row.convergedFingerprint === null) await tx.resendUnacknowledged(row.id, nowIso);
      // The log keeps the previous session too, so that a late repeat of one of its messages is
      // recognised (and refused) instead of restarting that session.
      pruneLogExcept = stored && stored.sessionId !== header.sessionId ? [stored.sessionId, header.sessionId] : [header.sessionId];
    } else {
      state = restoreSessionState(stored.state as unknown as SessionState, nowIso, maxMsgSize);
      if (header.msgId <= state.lastMsgId) {
        tally.outcome = 'bad_input';
        tally.reason = 'ERR_MSGID_REUSED';
        log.warn('MsgID already processed with a different body');
        return {
          status: 400,
          contentType: 'text/plain',
          body: `ERR_MSGID_REUSED: message ${header.msgId} of session ${header.sessionId} was already processed with a different body\n`,
        };
      }
    }
    state.lastMsgId = header.msgId;
    state.maxMsgSize = maxMsgSize;
    if (header.meta?.maxObjSize !== undefined) state.maxObjSize = header.meta.maxObjSize;

    const effects = processIncoming(message.body, message.final, state, { now: nowIso, msgId: header.msgId, retry: this.#o.retry });
    const installFailures = await this.#installFailures(tx, row.id, effects, nowIso);
    await tx.upsertNodeStates(row.id, [...effects.nodeUpdates, ...installFailures]);
    await tx.deleteNodeStates(row.id, effects.nodeDeletes);
    state.removed.push(...effects.nodeDeletes);
    // The rest of a large object the device did not accept is never sent: it holds a fragment at most.
    for (const locUri of effects.abortedObjects) dropLargeObject(state, locUri);
    const challenged = effects.headerRefused;
    if (challenged !== undefined) {
      // The device wants OMA-DM credentials from the server (a Chal). The server has none: mutual
      // TLS is the identity of both sides. What the refused message carried was put back to
      // pending, not failed; sending more would only be refused again, so the session ends here.
      log.warn(
        { code: challenged.code, msgRef: challenged.msgRef, chal: challenged.chal },
        'the device asked the server for OMA-DM credentials (SyncHdr refused); the server authenticates with TLS only: ending the session',
      );
      state.queue = [];
      state.replan = false;
    }
    if (effects.deviceStopped) {
      // 214: the device processes nothing more in this session; what is queued waits for the next.
      log.info('the device cancelled the rest of the session (214)');
      state.queue = [];
    }

    let report = applyReport(row.report, effects, { now: nowIso, revision: row.revision });
    const unenrolled = (report['enrollment'] as JsonObject | undefined)?.['state'] === 'UNENROLLED';
    if (unenrolled && (row.report['enrollment'] as JsonObject | undefined)?.['state'] !== 'UNENROLLED') {
      // Unenrolled now: its certificates stop working once this answer is out.
      const revoked = await tx.deleteDeviceCerts(row.id);
      log.info({ revoked }, 'the device unenrolled: its certificates are revoked');
    }
    if (effects.results.length > 0) report = mergeSummary(report, summaryFromResults(effects.results) as JsonObject);

    // What to send next: the rest of this session's plan, or a new plan when there is none.
    let planned: QueuedCommand[] = [];
    // An install that failed after its Exec was acknowledged unsettles a converged device.
    let converged: string | null = installFailures.length > 0 ? null : row.convergedFingerprint;
    let fastPath = false;
    let pendingRows: NodeStateRow[] = [];
    if (!unenrolled && !effects.clientHasMore && challenged === undefined) {
      const mayReplan = state.replan && state.plans < MAX_PLANS_PER_SESSION;
      if (state.queue.length === 0 && (state.planFingerprint === null || mayReplan) && snapshot.available) {
        const fingerprint = await snapshot.fingerprint(tx, row, context.policyEpoch);
        const due = inventoryDue(row, report, now, this.#o.inventoryIntervalMs);
        const verifying = this.#o.verifyAll || verificationOf(report)?.enabled === true;
        const readBackDue = verificationDue(report, now, this.#o.verifyIntervalMs, verifying) !== undefined;
        if (state.planFingerprint === null && !state.replan && converged === fingerprint && due.length === 0 && !readBackDue) {
          // Fast path: the device already has everything, and no inventory or read-back is due.
          state.planFingerprint = fingerprint;
          fastPath = true;
        } else {
          const planned = await this.#plan(tx, row, report, state, snapshot, fingerprint, due, nowIso, log);
          pendingRows = planned.rows;
          report = planned.report;
        }
      } else if (!snapshot.available && state.queue.length === 0 && state.planFingerprint === null) {
        log.warn({ reason: snapshot.reason }, 'desired state unavailable: answering without new commands');
      }
      planned = this.#nextMessage(state, nowIso, pendingRows, log);
    }

    const composed = composeResponse(header, effects.statuses, planned, {
      serverUrl: this.#o.serverUrl,
      maxMsgSize: state.maxMsgSize,
      acceptMsgSize: this.#o.maxRequestBytes,
      clientHasMore: effects.clientHasMore,
      abort: challenged !== undefined,
    });
    if (composed.overflow.length > 0) state.queue.unshift(composed.overflow);

    // Journal what goes out, and mark its nodes as sent.
    const journal = journalEntries(composed.sent);
    const sentNodes: NodeStateRow[] = [];
    for (const { queued } of composed.sent) {
      const command = queued.command.kind;
      if (command !== 'Add' && command !== 'Replace' && command !== 'Delete' && command !== 'Exec') continue;
      for (const node of queued.nodes) {
        if (node.op === 'get') continue;
        sentNodes.push(rowOf(placeOf(node, state.sessionId, nowIso), sentRecord(node, command)));
      }
    }
    if (composed.sent.length > 0) state.sent[String(header.msgId)] = journal;
    // Planned nodes that go out right now are written once, as sent; the rest show as pending.
    const sentNow = new Set(sentNodes.map((n) => n.locUri));
    await tx.upsertNodeStates(row.id, [...pendingRows.filter((n) => !sentNow.has(n.locUri)), ...sentNodes]);

    if (composed.sent.length > 0 || state.queue.length > 0 || effects.clientHasMore || challenged !== undefined) {
      converged = null;
    } else if (state.planFingerprint !== null && !unenrolled && !fastPath) {
      // The session is over: converged when the plan was complete and every node acknowledged.
      converged = state.planComplete && (await tx.countUnsettledNodes(row.id)) === 0 ? state.planFingerprint : null;
    }

    // The device's statuses for our commands (not the SyncHdr's), for the metrics and the session's line.
    const statuses = message.body.flatMap((c) => (c.kind === 'Status' && c.cmdRef !== 0 ? [statusLabel(c.data)] : []));
    const counts = (state.counts ??= { commands: 0, statuses: {} });
    counts.commands += composed.sent.length;
    for (const code of statuses) {
      const statusClass = code === 'invalid' ? code : `${code[0] ?? ''}xx`;
      counts.statuses[statusClass] = (counts.statuses[statusClass] ?? 0) + 1;
    }
    const sessionOver = challenged !== undefined || (composed.sent.length === 0 && state.queue.length === 0 && !effects.clientHasMore);
    if (sessionOver) {
      // An inventory asked for and answered by no Results stays outstanding, one attempt more.
      report = recordInventoryFailures(report, state.inventory, { now: nowIso, revision: row.revision });
      // A read-back round is complete once every node in scope was read in it.
      const verification = verificationOf(report);
      if (state.verifyRound !== undefined && state.verifyRound.remaining === 0 && verification !== undefined) {
        report = { ...report, verification: { ...verification, completedAt: nowIso } };
      }
    }
    // The device's nodes as the session leaves them, read once for whoever needs them.
    let nodesAtEnd: Promise<NodeStateRow[]> | undefined;
    const endNodes = (): Promise<NodeStateRow[]> => (nodesAtEnd ??= tx.getNodeStates(row.id));
    if (sessionOver && !unenrolled && state.planFingerprint !== null) {
      // Compliance is evaluated here, when a session ends, and never when the device is read.
      // Without a plan (the desired state was unavailable) there is nothing to evaluate against.
      report = await withCompliance(report, { fastPath: state.plans === 0, unresolved: state.unresolved ?? [] }, endNodes, nowIso);
    }
    if (sessionOver && this.#o.source.sessionEnded) {
      // On the fast path nothing changed: no need to read the device's nodes.
      const changed = fastPath ? [] : (await endNodes()).filter((n) => n.updatedAt >= state.startedAt);
      await this.#o.source.sessionEnded(tx, row, report, { nodes: changed, removed: state.removed });
    }
    if (sessionOver) {
      // Nothing is in flight any more: the journal is history, and a session row that stays
      // small keeps the next check-in cheap.
      state.sent = {};
      state.removed = [];
    }
    const response = serializeMessage(composed.message);
    await tx.finishDeviceMessage(row.id, {
      report,
      convergedFingerprint: converged,
      // Written on the fast path too: it is what tells a retry of this message from a new session
      // that reuses its SessionID.
      session: { sessionId: state.sessionId, state: state as unknown as JsonObject, updatedAt: nowIso },
      log: { sessionId: header.sessionId, msgId: header.msgId, message: { requestSha256, response, status: 200 }, createdAt: nowIso },
      ...(pruneLogExcept ? { pruneLogExcept } : {}),
    });
    log.debug({ commands: composed.sent.length, statuses: effects.statuses.length }, 'answered a device message');
    tally.outcome = fastPath ? 'fast_path' : 'served';
    tally.verbs = composed.sent.map((c) => c.queued.command.kind);
    tally.statuses = statuses;
    if (sessionOver) {
      // winId and sessionId are on the line already (the message's logger); deviceId is not.
      tally.sessionLine = {
        deviceId: row.id,
        messages: state.lastMsgId,
        commands: counts.commands,
        statuses: counts.statuses,
        durationMs: Math.max(0, now.getTime() - Date.parse(state.startedAt)),
        ...(challenged !== undefined ? { ended: 'device-challenge' } : {}),
      };
    }
    return { status: 200, contentType: SYNCML, body: response };
  }

  /**
   * The next planned message, minus the rest of any large object whose last chunk the device has
   * not accepted: a chunk follows only a 213 (or 200) for the one before it. Such an object goes
   * back to pending (written with `pendingRows`), to be sent whole again.
   */
  #nextMessage(state: SessionState, now: string, pendingRows: NodeStateRow[], log: Logger): QueuedCommand[] {
    for (;;) {
      const next = state.queue[0];
      if (next === undefined) return [];
      const broken = next.find((q) => q.chunk !== undefined && q.chunk.index > 0 && state.chunksAccepted[q.nodes[0]?.locUri ?? ''] !== q.chunk.index - 1);
      if (broken === undefined) return state.queue.shift() ?? [];
      log.warn({ locUri: broken.nodes[0]?.locUri, chunk: broken.chunk }, 'the device did not accept the previous chunk of a large object: not sending the rest');
      const command = broken.command.kind as NodeCommand;
      for (const node of broken.nodes) {
        dropLargeObject(state, node.locUri);
        // Not sent after all: pending, like a node of a session that broke off.
        const record = nodeTransition(sentRecord(node, command), { type: 'interrupt' });
        if (node.op !== 'get' && record !== null) pendingRows.push(rowOf(placeOf(node, state.sessionId, now), record));
      }
    }
  }

  /**
   * The MSI nodes whose install the device reported as failed (Alert 1224
   * `win32csp_install` with a non-zero result): the Exec's 202 only said the install started.
   */
  async #installFailures(tx: StoreTx, deviceId: string, effects: IncomingEffects, now: string): Promise<NodeStateRow[]> {
    const failed = effects.appInstalls.filter((i) => i.code !== 0);
    if (failed.length === 0) return [];
    const out: NodeStateRow[] = [];
    const nodes = (await tx.getNodeStates(deviceId)).filter((n) => n.kind === 'msi');
    for (const install of failed) {
      const marker = `/MSI/${install.productCode.toUpperCase()}/`;
      const node = nodes.find((n) => n.locUri.toUpperCase().includes(marker));
      if (!node) continue;
      const next = nodeTransition(recordOf(node), { type: 'install-result', result: install.code, now, retry: this.#o.retry });
      if (next !== null) out.push(rowOf({ ...node, updatedAt: now }, next));
    }
    return out;
  }

  async #plan(
    tx: StoreTx,
    row: DeviceRow,
    report: JsonObject,
    state: SessionState,
    snapshot: Extract<PolicySnapshot, { available: true }>,
    fingerprint: string,
    refresh: InventoryKind[],
    now: string,
    log: Logger,
  ): Promise<{ rows: NodeStateRow[]; report: JsonObject }> {
    const inputs = await snapshot.load(tx, row);
    const resolution = resolveEffectivePolicy(inputs, { cache: this.#o.resolutionCache });
    // Drift detection: which policies' values are read back, whether their drift is remediated,
    // and whether a round is due (once per session; a re-plan does not read again).
    const drift = new Map(inputs.policies.map((p) => [p.id, p.driftDetection]));
    const inScope = (policyId: string | undefined): boolean => {
      const setting = policyId === undefined ? undefined : drift.get(policyId)?.enabled;
      return setting ?? this.#o.verifyAll;
    };
    const anyInScope = this.#o.verifyAll || [...drift.values()].some((d) => d?.enabled === true);
    const since = state.verifyRound === undefined ? verificationDue(report, new Date(now), this.#o.verifyIntervalMs, anyInScope) : undefined;
    const loginStatus = (report['loginStatus'] as JsonObject | undefined)?.['value'];
    const rows = new Map((await tx.getNodeStates(row.id)).map((n) => [n.locUri, n]));
    const nodes = new Map<string, KnownNode>();
    for (const n of rows.values()) {
      nodes.set(n.locUri, {
        kind: n.kind as NodeKind,
        value: n.value,
        status: n.status,
        ...(n.code !== null ? { code: n.code } : {}),
        ...(n.lastCommand ? { lastCommand: n.lastCommand as NonNullable<KnownNode['lastCommand']> } : {}),
        ...(n.retryAt !== null ? { retryAt: n.retryAt } : {}),
        ...(n.checkedAt !== null ? { checkedAt: n.checkedAt } : {}),
        // Nothing was sent in this session before its first plan: a node marked with the same
        // SessionID then comes from an earlier session that used the ID (a restarted counter).
        ...(state.plans > 0 && n.sessionId === state.sessionId ? { attemptedThisSession: true } : {}),
      });
    }
    const deviceState: DeviceState = { nodes };
    let plan: ReturnType<typeof planCommands>;
    try {
      plan = planCommands(resolution, deviceState, {
        maxMsgSize: state.maxMsgSize,
        // An inventory is asked for once per session; a re-plan does not ask again.
        refresh: refresh.filter((kind) => state.inventory[kind] === undefined),
        admxFiles: inputs.admxFiles,
        applications: inputs.applications,
        largeObjects: row.report['inventoryValues'] === undefined || (row.report['inventoryValues'] as JsonObject)['./DevDetail/LrgObj'] !== 'false',
        maxObjSize: state.maxObjSize,
        now,
        remediate: (policyId) => (policyId === undefined ? true : drift.get(policyId)?.remediate !== false),
        // Always asked, so that the scope is known; Gets only when a round is due.
        ...(anyInScope
          ? { verify: { since: since ?? now, limit: since === undefined ? 0 : this.#o.maxVerifyGets, inScope, userSession: loginStatus === 'user' } }
          : {}),
      });
    } catch (error) {
      // A MaxMsgSize too small to carry any command: nothing can be sent to this device.
      if (!(error instanceof RangeError)) throw error;
      log.warn({ maxMsgSize: state.maxMsgSize, err: error.message }, 'cannot plan for this device');
      state.planFingerprint = fingerprint;
      state.planComplete = false;
      state.unresolved = [{ setting: '(desired state)', meaning: `nothing can be sent within the device's MaxMsgSize (${state.maxMsgSize})` }];
      state.replan = false;
      state.plans++;
      return { rows: [], report };
    }
    for (const issue of [...resolution.issues, ...plan.issues]) {
      log.warn({ code: issue.code, path: issue.path }, issue.message);
    }
    // Desired nodes take the plan's transition (a new value is pending until it is sent, a tie
    // between policies shows as a conflict) and the policy their value now comes from; only rows
    // that change are written. Nodes nobody wants any more are forgotten once the resolution is
    // complete.
    const pending: NodeStateRow[] = [];
    const afterPlan = new Map<string, NodeRecord>();
    for (const [locUri, desired] of plan.desired) {
      const stored = rows.get(locUri);
      const before = stored === undefined ? undefined : recordOf(stored);
      const next = nodeTransition(before, { type: 'plan', value: desired.value, conflicted: desired.conflicted === true });
      if (next !== null) afterPlan.set(locUri, next);
      const policyId = desired.policyId ?? null;
      if (next === null || (before !== undefined && sameRecord(before, next) && stored?.policyId === policyId)) continue;
      pending.push(
        rowOf(
          {
            locUri,
            kind: desired.kind,
            sessionId: stored?.sessionId ?? null,
            updatedAt: now,
            checkedAt: stored !== undefined && stored.value === next.value ? stored.checkedAt : null,
            policyId,
          },
          next,
        ),
      );
    }
    // What the Statuses of these commands need to become the nodes' next states: what a Delete's
    // node holds (it keeps it if the device refuses), the tries so far and whether this session
    // already counted a failure, whose value it is and whether policies disagree about it.
    const journalNode = (node: PlannedNode): JournalNode => {
      const known = nodes.get(node.locUri);
      const desired = plan.desired.get(node.locUri);
      // The tries as the plan left them (a new value starts over).
      const record = afterPlan.get(node.locUri);
      const out: JournalNode = { ...node, tries: record?.tries ?? rows.get(node.locUri)?.tries ?? 0 };
      if (node.op === 'delete') out.held = rows.get(node.locUri)?.value ?? null;
      if (known?.attemptedThisSession === true && known.status === 'failed' && (record === undefined || record.status === 'failed')) out.counted = true;
      if (desired?.policyId !== undefined) out.policyId = desired.policyId;
      else if (node.op === 'delete' && rows.get(node.locUri)?.policyId) out.policyId = rows.get(node.locUri)?.policyId as string;
      if (desired?.conflicted === true) out.conflicted = true;
      const stored = rows.get(node.locUri);
      if (node.op === 'verify' && stored !== undefined) out.prior = { record: recordOf(stored), sessionId: stored.sessionId, updatedAt: stored.updatedAt };
      return out;
    };
    state.queue = plan.messages.map((m) =>
      m.map((p) => ({ command: p.command, nodes: p.nodes.map(journalNode), ...(p.chunk ? { chunk: p.chunk } : {}) })),
    );
    state.planFingerprint = fingerprint;
    state.planComplete = resolution.complete;
    const unresolved = unresolvedOf(resolution.issues, resolution.complete);
    if (unresolved.length > 0) state.unresolved = unresolved;
    else delete state.unresolved;
    state.replan = false;
    state.plans++;
    for (const kind of refresh) state.inventory[kind] = { answered: false, codes: [] };

    if (resolution.complete && plan.stale.length > 0) {
      await tx.deleteNodeStates(row.id, plan.stale);
      state.removed.push(...plan.stale);
    }
    // Whether the device is in drift detection's scope is decided by its policies, so that the
    // fast path knows when a round is due without resolving.
    let next = report;
    if (anyInScope || verificationOf(report) !== undefined) next = { ...report, verification: { ...verificationOf(report), enabled: anyInScope } };
    const verification = plan.verification;
    if (since !== undefined && verification !== undefined) {
      state.verifyRound = { since, remaining: verification.remaining };
      next = { ...next, verification: { ...verificationOf(next), enabled: anyInScope, roundStartedAt: since } };
      // Nodes that cannot be read back are reported so, without a Get.
      for (const { locUri, reason } of verification.unverifiable) {
        const stored = rows.get(locUri);
        const before = afterPlan.get(locUri) ?? (stored === undefined ? undefined : recordOf(stored));
        const after = before === undefined ? null : nodeTransition(before, { type: 'read-back', result: { kind: 'unreadable' } });
        if (stored === undefined || after === null || before === undefined) continue;
        const place = { ...stored, policyId: plan.desired.get(locUri)?.policyId ?? null, updatedAt: after.status === before.status ? stored.updatedAt : now, checkedAt: now };
        pending.push(rowOf(place, after));
        log.debug({ locUri, reason }, 'not read back: the node cannot be');
      }
    }
    return { rows: pending, report: next };
  }
}

/** Removes every remaining chunk of the large object of `locUri` from the session's queue. */
function dropLargeObject(state: SessionState, locUri: string): void {
  delete state.chunksAccepted[locUri];
  state.queue = state.queue
    .map((message) => message.filter((q) => q.chunk === undefined || !q.nodes.some((n) => n.locUri === locUri)))
    .filter((message) => message.length > 0);
}

