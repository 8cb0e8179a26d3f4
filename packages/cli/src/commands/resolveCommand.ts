import { planCommands, type Bundle, type Device } from '@winmdm/policy';
import { renumberCommands, serializeMessage, type SyncMLMessage } from '@winmdm/syncml';
import { findBundleDevice, resolveBundleDevice } from '../bundleDevice.js';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { printIssues } from '../printIssues.js';
import { readBundle } from '../readBundle.js';

/** `winmdm resolve`: its flags and help. */
export const resolveSpec = {
  name: 'resolve',
  args: '<bundle.json>',
  summary: "Print a bundle's devices' effective policy (provenance, conflicts, issues) as JSON, or the SyncML of a first session.",
  flags: {
    device: { type: 'string', value: '<id|winId>', description: 'only this device (required with --syncml when the bundle has several)' },
    syncml: { type: 'boolean', description: 'print the SyncML messages a first session would send instead' },
    'max-msg-size': { type: 'string', value: '524288', description: "with --syncml: the device's MaxMsgSize (at least 1024)" },
    'server-url': { type: 'string', value: '<url>', description: 'with --syncml: the Source of the messages (default https://localhost/ManagementServer/MDM.svc)' },
  },
  notes: ['Problems of the bundle go to stderr as warnings (it still resolves) or errors (it does not).'],
} as const satisfies CommandSpec;

function pickDevices(bundle: Bundle, id: string | undefined): Device[] {
  return id === undefined ? bundle.devices : [findBundleDevice(bundle, id)];
}

/**
 * `winmdm resolve`: prints the resolution result of the bundle's devices as JSON (one device: its
 * result; several: an object keyed by device id). With `--syncml`, prints instead the SyncML
 * messages the server would send the device on a first session where it has nothing yet and
 * acknowledges every command; planning issues go to stderr, one line each.
 */
export async function resolveCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(resolveSpec, argv);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new CliError('ERR_CLI_USAGE', 'resolve reads one bundle: winmdm resolve <bundle.json>; see winmdm resolve --help');
  const bundle = readBundle(file, io);
  const devices = pickDevices(bundle, values.device);

  if (!values.syncml) {
    const results = devices.map((d) => [d.id, resolveBundleDevice(bundle, d)] as const);
    const output = results.length === 1 ? results[0]?.[1] : Object.fromEntries(results);
    io.out(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  }

  if (devices.length !== 1) throw new CliError('ERR_CLI_USAGE', `the bundle has ${devices.length} devices: pick one with --device`);
  const device = devices[0] as Device;
  const maxMsgSize = Number(values['max-msg-size'] ?? 524_288);
  if (!Number.isInteger(maxMsgSize) || maxMsgSize < 1024) {
    throw new CliError('ERR_CLI_USAGE', `--max-msg-size must be an integer of at least 1024, got ${String(values['max-msg-size'])}`);
  }
  const resolution = resolveBundleDevice(bundle, device);
  let plan: ReturnType<typeof planCommands>;
  try {
    plan = planCommands(resolution, { nodes: new Map() }, {
      maxMsgSize,
      refresh: (device.refreshInfoNeeded ?? []).filter((k): k is 'hardware' | 'applications' => k === 'hardware' || k === 'applications'),
      admxFiles: bundle.admxFiles ?? [],
      applications: bundle.applications ?? [],
    });
  } catch (error) {
    if (error instanceof RangeError) throw new CliError('ERR_CLI_USAGE', error.message, { cause: error });
    throw error;
  }
  printIssues(
    io,
    `${file} (device ${device.id})`,
    [...resolution.issues, ...plan.issues].map((i) => ({ severity: 'warning', path: i.path, message: i.message, code: i.code })),
  );
  const serverUrl = values['server-url'] ?? 'https://localhost/ManagementServer/MDM.svc';
  plan.messages.forEach((planned, index) => {
    const body = renumberCommands(
      planned.map((p) => p.command),
      1,
    );
    const last = planned.at(-1)?.chunk;
    const message: SyncMLMessage = {
      header: {
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionId: '1',
        msgId: index + 1,
        target: { locURI: device.winId ?? device.id },
        source: { locURI: serverUrl },
      },
      body,
      final: !(last && last.index < last.count - 1),
    };
    io.out(`${serializeMessage(message)}\n`);
  });
  return 0;
}
