import { parseArgs } from 'node:util';
import { BundleSchema, planCommands, resolveEffectivePolicy, type Bundle, type Device } from '@winmdm/policy';
import { renumberCommands, serializeMessage, type SyncMLMessage } from '@winmdm/syncml';
import { CliError } from '../CliError.js';
import type { Io } from '../Io.js';
import { readJsonFile } from '../readJsonFile.js';

export const resolveUsage =
  'winmdm resolve <bundle.json> [--device <id>] [--syncml [--max-msg-size 524288] [--server-url <url>]]';

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function pickDevices(bundle: Bundle, id: string | undefined): Device[] {
  if (id === undefined) return bundle.devices;
  const device = bundle.devices.find((d) => d.id === id || d.winId === id);
  if (!device) throw new CliError('ERR_CLI_INPUT', `the bundle has no device with id or winId ${JSON.stringify(id)}`);
  return [device];
}

function resolveDevice(bundle: Bundle, device: Device) {
  return resolveEffectivePolicy({
    device,
    policies: bundle.policies,
    automationRules: bundle.automationRules,
    applications: bundle.applications,
    admxFiles: bundle.admxFiles,
  });
}

/**
 * `winmdm resolve`: prints the resolution result of the bundle's devices as JSON (one device: its
 * result; several: an object keyed by device id). With `--syncml`, prints instead the SyncML
 * messages the server would send the device on a first session where it has nothing yet and
 * acknowledges every command; planning issues go to stderr, one line each.
 */
export async function resolveCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      device: { type: 'string' },
      syncml: { type: 'boolean' },
      'max-msg-size': { type: 'string' },
      'server-url': { type: 'string' },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new CliError('ERR_CLI_USAGE', `usage: ${resolveUsage}`);
  const parsed = BundleSchema.safeParse(readJsonFile(file, io));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) io.err(`${file}: ${pathText(issue.path)}: ${issue.message}\n`);
    throw new CliError('ERR_CLI_INPUT', `${file} is not a valid bundle (${parsed.error.issues.length} problem(s))`);
  }
  const bundle = parsed.data;
  const devices = pickDevices(bundle, values.device);

  if (!values.syncml) {
    const results = devices.map((d) => [d.id, resolveDevice(bundle, d)] as const);
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
  const resolution = resolveDevice(bundle, device);
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
  for (const issue of [...resolution.issues, ...plan.issues]) {
    const where = 'locUri' in issue && typeof issue.locUri === 'string' ? issue.locUri : pathText(issue.path);
    io.err(`${issue.code} ${where}: ${issue.message}\n`);
  }
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
