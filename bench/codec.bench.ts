/**
 * SyncML codec throughput: parse and serialize of every real message in fixtures/syncml, of
 * generated 200- and 500-command server messages (Replace with Data, Status, Results), of a
 * device reply with 200 Statuses (the answer to a typical policy push) and of a device reply of
 * 2,000 Status + 2,000 Results (the answer to a large inventory Get). Both pairs of a fast path
 * and its reference run side by side, alternating in the same process, with their ratio: the
 * single-pass reader (`parseMessage`) against the fast-xml-parser reference
 * (`parseMessageReference`), the string writer against the xmlbuilder2 reference serializer.
 */
import { readFileSync } from 'node:fs';
import {
  parseMessage,
  parseMessageReference,
  serializeMessage,
  serializeMessageReference,
  type Command,
  type SyncHdr,
  type SyncMLMessage,
} from '@winmdm/syncml';
import { median, pairedNsPerOp, quantile, sampleNsPerOp, type BenchModule, type BenchOptions, type BenchResult } from './harness.js';

const FIXTURES = [
  'intune-server-msg1-response.xml',
  'libdmclient-msg1-client-init.xml',
  'libdmclient-msg2-reply-to-intune-response.xml',
  'msmdm-spec-example-1-client-init.xml',
  'msmdm-spec-example-2-server-response.xml',
  'msmdm-spec-example-3-client-status-results.xml',
  'poc-server-msg1-response.xml',
  'win10-msg1-client-session-start.xml',
  'win10-msg2-client-status-202.xml',
];

const SERVER = 'https://mdm.example.com/ManagementServer/MDM.svc';
const DEVICE = '1E08C6E95D8BB843B1278FF45BC60CC6';

function header(msgId: number, fromDevice: boolean): SyncHdr {
  return {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionId: '3A',
    msgId,
    target: { locURI: fromDevice ? SERVER : DEVICE },
    source: { locURI: fromDevice ? DEVICE : SERVER },
  };
}

const ADMX_VALUE = '<enabled/><data id="HomepageLocation" value="https://intranet.example.com/start?src=mdm&amp;v=2"/>';

/** A server message of `count` commands: a third each Replace (with Data), Status, Results. */
function serverMessage(count: number): SyncMLMessage {
  const body: Command[] = [];
  for (let i = 0; i < count; i++) {
    const cmdId = i + 1;
    switch (i % 3) {
      case 0:
        body.push({
          kind: 'Replace',
          cmdId,
          items: [
            {
              target: { locURI: `./Device/Vendor/MSFT/Policy/Config/Chrome~Policy~googlechrome~Startup/HomepageLocation${i}` },
              meta: { format: 'chr', type: 'text/plain' },
              data: i % 2 === 0 ? ADMX_VALUE : String(i),
            },
          ],
        });
        break;
      case 1:
        body.push({ kind: 'Status', cmdId, msgRef: 1, cmdRef: i, cmd: 'Replace', targetRefs: [], sourceRefs: [], data: '200', items: [] });
        break;
      default:
        body.push({
          kind: 'Results',
          cmdId,
          msgRef: 1,
          cmdRef: i,
          cmd: 'Get',
          targetRefs: [],
          sourceRefs: [],
          items: [{ source: { locURI: `./DevDetail/Ext/Microsoft/Node${i}` }, meta: { format: 'chr' }, data: `value ${i}` }],
        });
    }
  }
  return { header: header(2, false), body, final: true };
}

/**
 * A device reply answering `gets` Gets: a Status and a Results for each, as lean as Windows writes
 * them (no TargetRef, short inventory values). 2,000 of each come to about 520 KB: at some 95 bytes
 * for the leanest Status, 4,000 commands cannot fit in 256 KB.
 */
function deviceReply(gets: number): SyncMLMessage {
  const body: Command[] = [
    { kind: 'Status', cmdId: 1, msgRef: 1, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
  ];
  let cmdId = 2;
  for (let i = 0; i < gets; i++) {
    body.push({ kind: 'Status', cmdId: cmdId++, msgRef: 1, cmdRef: i + 2, cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] });
    body.push({
      kind: 'Results',
      cmdId: cmdId++,
      msgRef: 1,
      cmdRef: i + 2,
      cmd: 'Get',
      targetRefs: [],
      sourceRefs: [],
      items: [{ source: { locURI: `./DevDetail/Ext/N${i}` }, data: `10.0.${i}` }],
    });
  }
  return { header: header(2, true), body, final: true };
}

/** A device reply to a policy push: the Status of the SyncHdr and one Status per command, nothing else. */
function statusReply(count: number): SyncMLMessage {
  const body: Command[] = [];
  for (let i = 0; i <= count; i++) {
    const cmd = i === 0 ? 'SyncHdr' : 'Replace';
    body.push({ kind: 'Status', cmdId: i + 1, msgRef: 1, cmdRef: i === 0 ? 0 : i + 1, cmd, targetRefs: [], sourceRefs: [], data: '200', items: [] });
  }
  return { header: header(2, true), body, final: true };
}

function bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Warms `fn` up (so that the JIT has settled before the cost of one call is estimated), then sizes
 * batches so that one sample lasts about 4 ms (quick) or 25 ms, for stable figures at any size.
 */
function plan(fn: () => unknown, options: BenchOptions): { samples: number; batch: number } {
  // At least `minCalls` calls and `warmNs`, unless `capNs` runs out first (large inputs).
  const [warmNs, capNs, minCalls] = options.quick ? [50e6, 500e6, 100] : [300e6, 3000e6, 500];
  const start = process.hrtime.bigint();
  let calls = 0;
  for (;;) {
    fn();
    calls++;
    const elapsed = Number(process.hrtime.bigint() - start);
    if ((elapsed > warmNs && calls >= minCalls) || elapsed > capNs) break;
  }
  const perCall = sampleNsPerOp(fn, { samples: 3, batch: Math.max(1, Math.min(calls, 20)), warmup: 0 });
  const sampleNs = (options.quick ? 4 : 25) * 1e6;
  const once = Math.max(1, Math.min(...perCall));
  return { samples: options.quick ? 5 : 30, batch: Math.max(1, Math.round(sampleNs / once)) };
}

/**
 * Reads one character from the middle, which makes V8 flatten a string built by concatenation:
 * a serializer's figure should include producing a contiguous string, as writing it out will.
 */
function flat(text: string): number {
  return text.charCodeAt(text.length >> 1);
}

function microseconds(name: string, ns: readonly number[], size: number, note = ''): BenchResult {
  const med = median(ns);
  const mbps = (size / med) * 1e3; // bytes per ns * 1e3 = MB/s
  return {
    name,
    unit: 'µs/op',
    median: med / 1e3,
    p99: quantile(ns, 0.99) / 1e3,
    n: ns.length,
    note: `${size} B, ${mbps.toFixed(1)} MB/s${note === '' ? '' : `; ${note}`}`,
  };
}

function measure(name: string, fn: () => unknown, size: number, options: BenchOptions): BenchResult {
  return microseconds(name, sampleNsPerOp(fn, plan(fn, options)), size);
}

/**
 * The fast reader against the reference on one text, paired: A (fast) and B (reference) alternate
 * in batches sized for the slower one, both warmed up first. The text is flattened beforehand, as a
 * request body read from the network is.
 */
function compareReaders(label: string, text: string, options: BenchOptions): BenchResult {
  flat(text);
  const fast = (): unknown => parseMessage(text);
  const reference = (): unknown => parseMessageReference(text);
  plan(fast, options);
  const { a, b } = pairedNsPerOp(fast, reference, plan(reference, options));
  const result = microseconds(`parse ${label}: single-pass reader (baseline: fast-xml-parser reference)`, a, bytes(text));
  const baseline = median(b) / 1e3;
  return { ...result, baseline, ratio: result.median / baseline };
}

export const codecBench: BenchModule = {
  name: 'codec',
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const dir = new URL('../fixtures/syncml/', import.meta.url);

    for (const name of FIXTURES) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      const message = parseMessage(text);
      const short = name.replace(/\.xml$/, '');
      results.push(compareReaders(short, text, options));
      results.push(measure(`serialize ${short}`, () => flat(serializeMessage(message)), bytes(serializeMessage(message)), options));
    }

    for (const count of [200, 500]) {
      const server = serverMessage(count);
      const serverXml = serializeMessage(server);
      const size = bytes(serverXml);
      results.push(compareReaders(`${count}-command server message`, serverXml, options));
      results.push(measure(`serialize ${count}-command server message`, () => flat(serializeMessage(server)), size, options));
      const paired = plan(() => flat(serializeMessageReference(server)), options);
      const { a, b } = pairedNsPerOp(
        () => flat(serializeMessage(server)),
        () => flat(serializeMessageReference(server)),
        paired,
      );
      const fast = microseconds(`serialize ${count} commands: string writer (baseline: xmlbuilder2 reference)`, a, size);
      const reference = median(b) / 1e3;
      results.push({ ...fast, baseline: reference, ratio: fast.median / reference });
    }

    // Issue 7: a device reply with 200 Statuses must parse in well under a millisecond.
    const statuses = serializeMessage(statusReply(200));
    const statusRow = compareReaders('device reply with 200 Statuses', statuses, options);
    const met = statusRow.median < 1000;
    results.push({ ...statusRow, note: `${statusRow.note ?? ''}; target well under 1 ms: ${met ? 'met' : 'NOT met'}` });

    const reply = deviceReply(2000);
    const replyXml = serializeMessage(reply);
    const replySize = bytes(replyXml);
    results.push(compareReaders('device reply (2,000 Status + 2,000 Results)', replyXml, options));
    results.push(measure('serialize device reply (2,000 Status + 2,000 Results)', () => flat(serializeMessage(reply)), replySize, options));
    return results;
  },
};
