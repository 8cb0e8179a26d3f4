import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  explainResolution,
  type Bundle,
  type Device,
  type Explanation,
  type NodeStatusInput,
} from '@winmdm/policy';
import { explainDevice } from '@winmdm/server';
import { findBundleDevice, resolveBundleDevice } from '../bundleDevice.js';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { formatExplanation } from '../formatExplanation.js';
import { dataDir, openStore, storeFlags } from '../openStore.js';
import { readBundle } from '../readBundle.js';

/** `winmdm explain`: its flags and help. */
export const explainSpec = {
  name: 'explain',
  args: '[<bundle.json>]',
  summary: "Explain why a device's effective policy is what it is: from a bundle, or from a server's store with the device's statuses.",
  flags: {
    device: { type: 'string', value: '<id|winId>', description: 'the device (required)' },
    json: { type: 'boolean', description: 'the explanation model as JSON instead of a table' },
    ...storeFlags,
  },
  env: { NO_COLOR: 'any value: no colours, even on a terminal' },
} as const satisfies CommandSpec;

/** The statuses a device document carries (`configStatus`, as the API answers it): a bundle made from API answers has them. */
function statusesOf(device: Device): NodeStatusInput[] {
  const status = (device as { configStatus?: unknown }).configStatus;
  if (typeof status !== 'object' || status === null) return [];
  return Object.entries(status as Record<string, { status?: unknown; code?: unknown; date?: unknown }>)
    .filter(([, s]) => typeof s?.status === 'string')
    .map(([locUri, s]) => ({
      locUri,
      status: s.status as string,
      ...(typeof s.code === 'number' ? { code: s.code } : {}),
      ...(typeof s.date === 'string' ? { updatedAt: s.date } : {}),
    }));
}

function explainFromBundle(bundle: Bundle, id: string): Explanation {
  const device = findBundleDevice(bundle, id);
  return explainResolution({ device, policies: bundle.policies, resolution: resolveBundleDevice(bundle, device), nodes: statusesOf(device) });
}

async function explainFromStore(values: { db?: string | undefined; pg?: string | undefined; 'data-dir'?: string | undefined }, io: Io, id: string): Promise<Explanation> {
  if (values.pg === undefined && io.env['WINMDM_PG_URL'] === undefined) {
    // Explaining reads a store that exists: it must not create an empty database where none was.
    const path = resolve(io.cwd, values.db ?? io.env['WINMDM_DB'] ?? `${dataDir(values, io)}/winmdm.db`);
    if (!existsSync(path)) throw new CliError('ERR_CLI_INPUT', `no database at ${path} (start winmdm serve first, or name one with --db or --pg)`);
  }
  const { store, description } = await openStore(values, io);
  try {
    const explanation = await store.transaction(async (tx) => {
      const row = (await tx.getDevice(id)) ?? (await tx.getDeviceByWinId(id));
      return row === undefined ? undefined : explainDevice(tx, row);
    });
    if (explanation === undefined) throw new CliError('ERR_CLI_INPUT', `${description} has no device with id or winId ${JSON.stringify(id)}`);
    return explanation;
  } finally {
    await store.close();
  }
}

/**
 * `winmdm explain`: why a device's effective policy is what it is, from a bundle or from a
 * server's store (with the device's statuses and their history): a table on a terminal (colours
 * only there, and never with NO_COLOR), the explanation model as JSON with `--json`.
 */
export async function explainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(explainSpec, argv);
  const [file] = positionals;
  if (positionals.length > 1 || values.device === undefined) {
    throw new CliError('ERR_CLI_USAGE', 'usage: winmdm explain [<bundle.json>] --device <id|winId>; see winmdm explain --help');
  }
  if (file !== undefined && (values.db !== undefined || values.pg !== undefined)) {
    throw new CliError('ERR_CLI_USAGE', 'explain reads a bundle or a store, not both: drop the bundle or --db/--pg');
  }
  let explanation: Explanation;
  if (file !== undefined) {
    explanation = explainFromBundle(readBundle(file, io), values.device);
  } else {
    explanation = await explainFromStore(values, io, values.device);
  }
  if (values.json) {
    io.out(`${JSON.stringify(explanation, null, 2)}\n`);
    return 0;
  }
  const tty = io.tty;
  io.out(formatExplanation(explanation, { color: tty !== undefined && !io.env['NO_COLOR'], width: tty?.columns }));
  return 0;
}
