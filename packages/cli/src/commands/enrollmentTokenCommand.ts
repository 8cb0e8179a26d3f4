import { createEnrollmentToken, EnrollmentTokenRequestSchema } from '@winmdm/server';
import { CliError } from '../CliError.js';
import { parseCommand, type CommandSpec } from '../CommandSpec.js';
import type { Io } from '../Io.js';
import { openStore, storeFlags } from '../openStore.js';

/** `winmdm enrollment-token`: its flags and help. */
export const enrollmentTokenSpec = {
  name: 'enrollment-token',
  args: 'create',
  summary: 'Create a token a Windows device enrolls with (what POST /mdm/windows/enrollment-tokens does).',
  flags: {
    org: { type: 'string', value: '<organizationId>', description: 'the organization the enrolled devices join (required)' },
    email: { type: 'string', value: '<user>', description: 'only this user may enroll with it' },
    'max-uses': { type: 'string', value: '<n>', description: 'how many devices may enroll with it (default: any number)' },
    'expires-in-hours': { type: 'string', value: '24', description: 'how long it is valid (at most 8760)' },
    ...storeFlags,
  },
  notes: ['The token is printed once; the store keeps only its SHA-256.'],
} as const satisfies CommandSpec;

const FLAG_OF: Record<string, string> = { email: '--email', maxUses: '--max-uses', expiresInHours: '--expires-in-hours' };

/** `winmdm enrollment-token create`: an enrollment token on the server's store, printed once. */
export async function enrollmentTokenCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(enrollmentTokenSpec, argv);
  if (positionals[0] !== 'create' || positionals.length !== 1 || !values.org) {
    throw new CliError('ERR_CLI_USAGE', 'usage: winmdm enrollment-token create --org <organizationId>; see winmdm enrollment-token --help');
  }
  const given: Record<string, string | undefined> = { email: values.email, maxUses: values['max-uses'], expiresInHours: values['expires-in-hours'] };
  const number = (field: string): number | undefined => {
    const text = given[field];
    if (text === undefined) return undefined;
    if (text.trim() === '' || !Number.isFinite(Number(text))) throw new CliError('ERR_CLI_USAGE', `${FLAG_OF[field]} must be a number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const maxUses = number('maxUses');
  const expiresInHours = number('expiresInHours');
  const parsed = EnrollmentTokenRequestSchema.safeParse({
    ...(values.email !== undefined ? { email: values.email } : {}),
    ...(maxUses !== undefined ? { maxUses } : {}),
    ...(expiresInHours !== undefined ? { expiresInHours } : {}),
  });
  if (!parsed.success) {
    const line = (i: (typeof parsed.error.issues)[number]): string => {
      const field = String(i.path[0]);
      return `${FLAG_OF[field] ?? field}: ${i.message}, got ${JSON.stringify(given[field] ?? '')}`;
    };
    throw new CliError('ERR_CLI_USAGE', parsed.error.issues.map(line).join('; '));
  }
  const organizationId = values.org;
  const { store } = await openStore(values, io);
  try {
    const token = await store.transaction(async (tx) => {
      if (!(await tx.getDocument('organizations', organizationId))) throw new CliError('ERR_CLI_INPUT', `no organization ${JSON.stringify(organizationId)} in the store`);
      return createEnrollmentToken(tx, organizationId, parsed.data, new Date());
    });
    io.out(`enrollment token ${token.id} for ${organizationId}, valid until ${token.expiresAt}:\n${token.token}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
