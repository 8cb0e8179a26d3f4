import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * The pure core as an API team gets it: @winmdm/syncml, @winmdm/admx and @winmdm/policy packed
 * with `npm pack`, installed from the tarballs into a project outside the repository (no
 * workspace, no links; their own dependencies come from the registry), and used from plain Node
 * ESM and from TypeScript checked by tsc with the strictest settings the project uses.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const PACKAGES = ['syncml', 'admx', 'policy'];
const NODE_TYPES = JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };

let scratch: string;

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

const USE = `
const bundle = JSON.parse(readFileSync(new URL('./seed.json', import.meta.url), 'utf8'));
const device = bundle.devices[0];
const resolution = resolveEffectivePolicy({
  device,
  policies: bundle.policies,
  automationRules: bundle.automationRules,
  applications: bundle.applications,
  admxFiles: bundle.admxFiles,
});
const plan = planCommands(resolution, { nodes: new Map() }, {
  maxMsgSize: 524288,
  admxFiles: bundle.admxFiles,
  applications: bundle.applications,
});
const first = serializeMessage({
  header: {
    verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: 1,
    target: { locURI: device.winId ?? device.id }, source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc' },
  },
  body: (plan.messages[0] ?? []).map((p) => p.command),
  final: true,
});
console.log(JSON.stringify({
  complete: resolution.complete,
  keys: Object.keys(resolution.deviceWinPolicy.config ?? {}).length,
  messages: plan.messages.length,
  commands: plan.messages.flat().map((p) => p.command.kind),
  admxInstall: first.includes('ADMXInstall'),
}));
`;

beforeAll(async () => {
  // Fresh dist/ for the three packages (incremental: nothing to do when it is up to date).
  await sh(process.execPath, [tsc, '-b', join(root, 'packages', 'policy', 'tsconfig.build.json')], root);
  scratch = mkdtempSync(join(tmpdir(), 'winmdm-outside-'));
  const tarballs: string[] = [];
  for (const name of PACKAGES) {
    const out = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], join(root, 'packages', name));
    tarballs.push(join(scratch, (JSON.parse(out) as { filename: string }[])[0]!.filename));
  }
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'api-server', private: true, type: 'module' }));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, `@types/node@${NODE_TYPES.version}`], scratch);
  copyFileSync(join(root, 'fixtures', 'bundles', 'seed.json'), join(scratch, 'seed.json'));
}, 300_000);
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the core packages installed outside the workspace', () => {
  test('are real copies from their tarballs, with only dist, src and the README', () => {
    for (const name of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules', '@winmdm', name, 'package.json'), 'utf8')) as {
        exports: Record<string, Record<string, string>>;
        types: string;
      };
      expect(manifest.exports['.']).toMatchObject({ types: './dist/index.d.ts', default: './dist/index.js' });
      expect(manifest.types).toBe('./dist/index.d.ts');
    }
    const lock = JSON.parse(readFileSync(join(scratch, 'package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean; resolved?: string }> };
    for (const [path, entry] of Object.entries(lock.packages)) {
      expect(entry.link, path).toBeUndefined();
      if (path.startsWith('node_modules/@winmdm/')) expect(entry.resolved ?? '', path).toMatch(/^file:winmdm-[a-z]+-0\.1\.0\.tgz$/);
    }
  });

  test('resolveEffectivePolicy and planCommands run on the seed bundle from plain Node ESM', async () => {
    writeFileSync(
      join(scratch, 'use.mjs'),
      `import { readFileSync } from 'node:fs';\nimport { planCommands, resolveEffectivePolicy } from '@winmdm/policy';\nimport { serializeMessage } from '@winmdm/syncml';\n${USE}`,
    );
    const result = JSON.parse(await sh(process.execPath, ['use.mjs'], scratch)) as { complete: boolean; keys: number; messages: number; commands: string[]; admxInstall: boolean };
    expect(result.complete).toBe(true);
    expect(result.keys).toBeGreaterThan(0);
    expect(result.messages).toBeGreaterThanOrEqual(1);
    expect(result.commands).toContain('Replace');
    expect(result.admxInstall).toBe(true);
  });

  test('the same from TypeScript, type-checked by tsc (strict, NodeNext) against the installed types', async () => {
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, types: ['node'], outDir: 'out', skipLibCheck: true,
        },
        files: ['use.ts'],
      }),
    );
    const typed = USE.replace(
      "const bundle = JSON.parse(readFileSync(new URL('./seed.json', import.meta.url), 'utf8'));",
      "const bundle: Bundle = BundleSchema.parse(JSON.parse(readFileSync(new URL('../seed.json', import.meta.url), 'utf8')));",
    ).replace('const device = bundle.devices[0];', "const device = bundle.devices[0];\nif (!device) throw new Error('no device');");
    writeFileSync(
      join(scratch, 'use.ts'),
      `import { readFileSync } from 'node:fs';\nimport { BundleSchema, planCommands, resolveEffectivePolicy, type Bundle, type Plan } from '@winmdm/policy';\nimport { serializeMessage } from '@winmdm/syncml';\n${typed}\nexport const planned: Plan = plan;\n` +
        // Types that collapsed to any (a declaration that does not resolve) would make this line pass.
        '// @ts-expect-error complete is a boolean\nexport const wrong: string = resolution.complete;\n',
    );
    await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], scratch);
    const result = JSON.parse(await sh(process.execPath, [join('out', 'use.js')], scratch)) as { complete: boolean; commands: string[] };
    expect(result.complete).toBe(true);
    expect(result.commands).toContain('Replace');
  }, 120_000);
});
