/**
 * The laws of `planCommands` (DESIGN §5), each checked on 500 generated scenarios: effective
 * policies with ADMX-backed values (valid and not), large values, MSI applications and two
 * revisions of an ADMX file, against known states and devices that agree with each other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCommands, type KnownNode, type Plan, type PlanOptions } from '@winmdm/policy';
import {
  commandByteLength,
  envelopeByteLength,
  parseMessage,
  serializeMessage,
  type Command,
  type Status,
  type SyncHdr,
} from '@winmdm/syncml';
import {
  actionsOf,
  commandsOf,
  digestOf,
  maxMsgSizeArb,
  newSession,
  PlanDeviceModel,
  planScenarioArb,
  POLICY_FILE,
  recordStatus,
  type PlanScenario,
} from '../arbitraries/plan.js';

const RUNS = 500;
const TIMEOUT = 180_000;
const RESERVE = 1024;

function plan(s: PlanScenario, known: ReadonlyMap<string, KnownNode>, extra: Partial<PlanOptions> = {}): Plan {
  return planCommands(s.resolution, { nodes: known }, { maxMsgSize: 524_288, admxFiles: s.admxFiles, ...extra });
}

function protectedKeys(p: Plan): Set<string> {
  return new Set(p.issues.flatMap((i) => (i.locUri === undefined ? [] : [i.locUri])));
}

/** The status code of every command when all succeed (chunks other than the last: 213). */
function succeeded(planned: { chunk?: { index: number; count: number } }): number {
  return planned.chunk !== undefined && planned.chunk.index < planned.chunk.count - 1 ? 213 : 200;
}

describe('planCommands laws', () => {
  it(
    'applying the plan to the device model yields exactly the effective config',
    () => {
      fc.assert(
        fc.property(planScenarioArb('session-start'), maxMsgSizeArb, (s, maxMsgSize) => {
          const model = new PlanDeviceModel(s.device);
          const known = new Map(s.known);
          let current = plan(s, known, { maxMsgSize, reserveBytes: RESERVE });
          // A session: send, record the Statuses, plan again (the 404/418 retries) until nothing is left.
          for (let round = 0; round < 4 && current.messages.length > 0; round++) {
            for (const planned of commandsOf(current.messages)) recordStatus(known, planned, model.apply(planned.command));
            current = plan(s, known, { maxMsgSize, reserveBytes: RESERVE });
          }
          expect(current.messages).toEqual([]);

          // The desired values are the canonical forms written out by hand in the arbitraries.
          for (const [key, want] of current.desired) {
            if (want.kind === 'csp') expect(want.value).toBe(s.canonical.get(key));
            if (want.kind === 'admx-install') {
              const file = s.admxFiles.find((f) => key.endsWith(`/${f.id}`));
              expect(want.value).toBe(file === undefined ? undefined : digestOf(file.content));
            }
          }
          const kept = protectedKeys(current);
          for (const key of s.canonical.keys()) if (!current.desired.has(key)) expect(kept.has(key)).toBe(true);

          for (const [key, want] of current.desired) {
            expect(model.nodes.get(key)).toBe(want.value === 'msi:remove' ? undefined : want.value);
          }
          const stale = new Set(current.stale);
          for (const key of new Set([...s.known.keys(), ...s.device.keys()])) {
            if (current.desired.has(key)) continue;
            const known0 = s.known.get(key);
            const untouched =
              known0 === undefined || !s.resolution.complete || kept.has(key) || known0.kind === 'msi' || stale.has(key);
            if (untouched) expect(model.nodes.get(key)).toBe(s.device.get(key));
            else expect(model.nodes.has(key)).toBe(false);
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'if every command succeeds the next plan is empty',
    () => {
      fc.assert(
        fc.property(planScenarioArb('session-start'), maxMsgSizeArb, (s, maxMsgSize) => {
          const known = new Map(s.known);
          const first = plan(s, known, { maxMsgSize, reserveBytes: RESERVE });
          for (const planned of commandsOf(first.messages)) recordStatus(known, planned, succeeded(planned));
          const second = plan(s, known, { maxMsgSize, reserveBytes: RESERVE });
          expect(second.messages).toEqual([]);
          expect([...second.desired]).toEqual([...first.desired]);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'if some fail, the next plan retries exactly those (404 after Replace as Add, 418 after Add as Replace; the rest next session)',
    () => {
      const codeArb = fc.constantFrom(200, 200, 202, 404, 418, 500, 405);
      fc.assert(
        fc.property(planScenarioArb('session-start', { large: false }), fc.array(codeArb, { minLength: 1, maxLength: 50 }), (s, codes) => {
          const known = new Map(s.known);
          const first = plan(s, known);
          commandsOf(first.messages).forEach((planned, i) => recordStatus(known, planned, codes[i % codes.length] as number));

          // Same session: only the 404/418 retries, and not for a value whose ADMX file is not on
          // the device and is not being sent again either.
          const retry = (key: string): 'Add' | 'Replace' | undefined => {
            const node = known.get(key);
            if (node?.status !== 'failed' || node.kind === 'msi') return undefined;
            if (node.code === 404 && node.lastCommand === 'Replace') return 'Add';
            if (node.code === 418 && node.lastCommand === 'Add') return 'Replace';
            return undefined;
          };
          // A value of an ADMX file that is sent again is retried along with it, whatever its failure.
          const expected: string[] = [];
          for (const [key, want] of first.desired) {
            const file = want.kind === 'csp' ? POLICY_FILE.get(key) : undefined;
            const fileResent = file !== undefined && retry(file) !== undefined;
            const node = known.get(key);
            const verb = retry(key) ?? (fileResent && node?.status === 'failed' ? 'Replace' : undefined);
            if (verb === undefined) continue;
            if (file !== undefined && !fileResent) {
              const fileNode = known.get(file);
              if (fileNode?.status !== 'applied' || fileNode.value !== first.desired.get(file)?.value) continue;
            }
            expected.push(`${verb} ${key}`);
          }
          const second = plan(s, known);
          expect(actionsOf(second.messages).sort()).toEqual(expected.sort());

          // Next session: every desired node not acknowledged with its value is sent again.
          const next = newSession(known);
          const again: string[] = [];
          for (const [key, want] of first.desired) {
            const node = next.get(key);
            if (node?.status === 'applied' && node.value === want.value) continue;
            if (want.kind === 'msi' && node?.status === 'not-removable' && node.value === want.value) continue;
            if (want.kind === 'msi') {
              if (want.value === 'msi:remove') again.push(`Delete ${key}`);
              else again.push(`Add ${key}`, `Exec ${key}`);
              continue;
            }
            const verb = retry(key);
            const normal = want.kind === 'csp' ? 'Replace' : node?.lastCommand === 'Replace' ? 'Replace' : 'Add';
            again.push(`${verb ?? normal} ${key}`);
          }
          // A Delete that failed (not refused) is sent again too, when Deletes may be sent at all; a
          // refused one is kept as it is.
          const kept = protectedKeys(first);
          for (const [key, node] of next) {
            const undesired = !first.desired.has(key) && !kept.has(key) && node.kind !== 'msi';
            const unconfirmed = node.lastCommand === 'Delete' && (node.status === 'failed' || node.status === 'pending');
            if (s.resolution.complete && undesired && unconfirmed) again.push(`Delete ${key}`);
          }
          const third = plan(s, next);
          expect(actionsOf(third.messages).sort()).toEqual(again.sort());
          expect(third.stale.filter((key) => next.get(key)?.status === 'not-removable')).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'no Delete when the resolution is incomplete',
    () => {
      fc.assert(
        fc.property(planScenarioArb('any', { complete: false }), (s) => {
          const p = plan(s, s.known);
          expect(commandsOf(p.messages).map((c) => c.command.kind)).not.toContain('Delete');
          const kept = protectedKeys(p);
          for (const key of s.known.keys()) {
            if (!p.desired.has(key) && !kept.has(key)) expect(p.stale).toContain(key);
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'every ADMX-backed value comes after its ingestion',
    () => {
      fc.assert(
        fc.property(planScenarioArb('any'), maxMsgSizeArb, (s, maxMsgSize) => {
          const p = plan(s, s.known, { maxMsgSize, reserveBytes: RESERVE });
          const commands = commandsOf(p.messages);
          commands.forEach((planned, i) => {
            const kind = planned.command.kind;
            const node = planned.nodes[0];
            if ((kind !== 'Add' && kind !== 'Replace') || node === undefined) return;
            const file = POLICY_FILE.get(node.locUri);
            if (file === undefined) return;
            const fileNode = s.known.get(file);
            const installed = fileNode?.status === 'applied' && fileNode.value === p.desired.get(file)?.value;
            const ingested = commands.findIndex(
              (c) =>
                (c.command.kind === 'Add' || c.command.kind === 'Replace') &&
                c.nodes[0]?.locUri === file &&
                (c.chunk === undefined || c.chunk.index === c.chunk.count - 1),
            );
            expect(installed || (ingested !== -1 && ingested < i)).toBe(true);
          });
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'every message fits MaxMsgSize with a realistic header and reserve, and large objects reassemble',
    () => {
      const ENVELOPE = '<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody></SyncBody></SyncML>'.length;
      fc.assert(
        fc.property(planScenarioArb('any'), maxMsgSizeArb, fc.integer({ min: 0, max: 9_999_000 }), (s, maxMsgSize, firstCmdId) => {
          const p = plan(s, s.known, { maxMsgSize, reserveBytes: RESERVE, refresh: ['hardware', 'applications'] });
          const pieces = new Map<string, string>();
          const sizes = new Map<string, number | undefined>();
          p.messages.forEach((message, m) => {
            const header: SyncHdr = {
              verDTD: '1.2',
              verProto: 'DM/1.2',
              sessionId: '4294967295',
              msgId: 10_000 + m,
              target: { locURI: '1E08C6E95D8BB843B1278FF45BC60CC6' },
              source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA' },
              meta: { maxMsgSize: 524_288 },
            };
            // The Statuses the server puts first: as many as the reserve holds.
            const statuses: Status[] = [];
            let reserved = envelopeByteLength(header, true) - ENVELOPE;
            for (let ref = 0; ; ref++) {
              const status: Status = {
                kind: 'Status',
                cmdId: 9_999_999,
                msgRef: 10_000 + m,
                cmdRef: ref === 0 ? 0 : 9_999_000 + ref,
                cmd: ref === 0 ? 'SyncHdr' : 'Replace',
                targetRefs: [],
                sourceRefs: [],
                data: '200',
                items: [],
              };
              const size = commandByteLength(status);
              if (reserved + size > RESERVE) break;
              reserved += size;
              statuses.push(status);
            }
            const base = Math.min(firstCmdId, 9_999_999 - statuses.length - message.length);
            const body: Command[] = [
              ...statuses.map((st, i) => ({ ...st, cmdId: base + i + 1 })),
              ...message.map((planned, i) => ({ ...planned.command, cmdId: base + statuses.length + i + 1 })),
            ];
            const last = message.at(-1);
            const final = !(last?.chunk !== undefined && last.chunk.index < last.chunk.count - 1);
            const xml = serializeMessage({ header, body, final });
            expect(new TextEncoder().encode(xml).length).toBeLessThanOrEqual(maxMsgSize);

            message.forEach((planned, i) => {
              if (planned.chunk === undefined) return;
              const { index, count } = planned.chunk;
              const item = (planned.command as Extract<Command, { kind: 'Add' | 'Replace' | 'Exec' }>).items[0];
              expect(item?.moreData === true).toBe(index < count - 1);
              expect(item?.meta?.size !== undefined).toBe(index === 0);
              if (index < count - 1) {
                expect(i).toBe(message.length - 1);
                const following = p.messages[m + 1]?.[0];
                expect(following?.chunk).toEqual({ index: index + 1, count });
                expect(following?.nodes).toEqual(planned.nodes);
              }
            });
            if (message.some((planned) => planned.chunk !== undefined)) {
              // Through the wire: the pieces read back and concatenate to the whole value.
              const parsed = parseMessage(xml);
              parsed.body.slice(statuses.length).forEach((command, i) => {
                const planned = message[i];
                if (planned?.chunk === undefined) return;
                const item = (command as Extract<Command, { kind: 'Add' | 'Replace' | 'Exec' }>).items[0];
                const key = `${command.kind} ${item?.target?.locURI}`;
                if (planned.chunk.index === 0) sizes.set(key, item?.meta?.size);
                const sofar = (pieces.get(key) ?? '') + (item?.data ?? '');
                if (planned.chunk.index < planned.chunk.count - 1) {
                  pieces.set(key, sofar);
                  return;
                }
                pieces.delete(key);
                expect(new TextEncoder().encode(sofar).length).toBe(sizes.get(key));
                const node = planned.nodes[0];
                const want = p.desired.get(node?.locUri ?? '')?.value;
                if (node?.kind === 'admx-install') expect(digestOf(sofar)).toBe(want);
                else if (node?.kind === 'csp') expect(sofar).toBe(want);
                else {
                  const version = /<Product Version="([^"]*)">/.exec(sofar)?.[1];
                  const hash = /<FileHash>([0-9A-F]{64})<\/FileHash>/.exec(sofar)?.[1]?.toLowerCase();
                  expect(`msi:${version}:${hash}`).toBe(want);
                }
              });
            }
          });
          expect([...pieces.keys()]).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'planning is deterministic and independent of the order of the known nodes',
    () => {
      fc.assert(
        fc.property(planScenarioArb('any'), maxMsgSizeArb, fc.gen(), (s, maxMsgSize, g) => {
          const entries = [...s.known];
          for (let i = entries.length - 1; i > 0; i--) {
            const j = g(fc.integer, { min: 0, max: i });
            [entries[i], entries[j]] = [entries[j] as [string, KnownNode], entries[i] as [string, KnownNode]];
          }
          const json = (p: Plan): string => JSON.stringify({ ...p, desired: [...p.desired] });
          const a = plan(s, s.known, { maxMsgSize, reserveBytes: RESERVE, refresh: ['applications'] });
          const b = plan(s, new Map(entries), { maxMsgSize, reserveBytes: RESERVE, refresh: ['applications'] });
          expect(json(b)).toBe(json(a));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});
