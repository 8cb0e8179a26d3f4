import { pino } from 'pino';
import { Metrics, SqliteStore, startWinmdmServer } from '@winmdm/server';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';

/** `winmdm openapi`: its flags and help. */
export const openapiSpec = {
  name: 'openapi',
  summary: 'Print the OpenAPI 3.1 document of the API (what GET /openapi.json answers): winmdm openapi > openapi.json',
  flags: {
    'mdm-path': { type: 'string', value: '<path>', description: "the device endpoint's path, as serve is given it" },
    'public-url': { type: 'string', value: '<url>', description: 'the URL devices use; its origin becomes the servers entry' },
  },
} as const satisfies CommandSpec;

/**
 * `winmdm openapi`: prints the OpenAPI 3.1 document that `GET /openapi.json` answers. It starts
 * the same server on an empty in-memory store and a loopback port for a moment, so the document
 * comes from the very route table `serve` uses.
 */
export async function openapiCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(openapiSpec, argv);
  if (positionals.length > 0) throw new CliError('ERR_CLI_USAGE', 'openapi takes no arguments; see winmdm openapi --help');
  const store = SqliteStore.open(':memory:');
  try {
    const server = await startWinmdmServer({
      store,
      logger: pino({ level: 'silent' }),
      port: 0,
      tls: false,
      metrics: new Metrics({ defaultMetrics: false }),
      ...(values['mdm-path'] ? { mdmPath: values['mdm-path'] } : {}),
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    });
    try {
      io.out(`${JSON.stringify(server.openapi(), null, 2)}\n`);
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
  return 0;
}
