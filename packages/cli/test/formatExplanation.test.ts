import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { BundleSchema, explainResolution, resolveEffectivePolicy, type Explanation } from '@winmdm/policy';
import { formatExplanation } from '../src/formatExplanation.js';

const bundle = BundleSchema.parse(JSON.parse(readFileSync(new URL('../../../fixtures/demo/bundle.json', import.meta.url), 'utf8')));
const P = './Device/Vendor/MSFT/Policy/Config/';

function explain(id: string, nodes?: Parameters<typeof explainResolution>[0]['nodes']): Explanation {
  const device = bundle.devices.find((d) => d.id === id)!;
  const resolution = resolveEffectivePolicy({ device, policies: bundle.policies, automationRules: bundle.automationRules, applications: bundle.applications, admxFiles: bundle.admxFiles });
  return explainResolution({ device, policies: bundle.policies, resolution, nodes });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

test('without a terminal: no colour, nothing cut, no status column when nothing is known', () => {
  const text = formatExplanation(explain('dev-contoso-002'), { color: false });
  expect(text).not.toMatch(ANSI);
  const lines = text.split('\n');
  expect(lines[0]).toBe("Bob's workstation  id dev-contoso-002  winId DEMO-DESKTOP-002");
  expect(lines.find((l) => l.startsWith('SETTING'))).toMatch(/^SETTING +VALUE +SET BY +BEAT$/);
  const row = lines.find((l) => l.startsWith('DeviceLock/MinDevicePasswordLength')) ?? '';
  expect(row.split(/ {2,}/)).toEqual([
    'DeviceLock/MinDevicePasswordLength',
    '12',
    'assignment p1 "Strict passwords"',
    '6 from assignment p2 "Relaxed updates"; 8 from base "Corporate Security Baseline"',
  ]);
  expect(text).toContain('conflicts (4)');
  expect(text).toContain('  DeviceLock/MinDevicePasswordLength: 12 from assignment p1 "Strict passwords" beat 6 from assignment p2 "Relaxed updates"');
  expect(text).toContain('issues (0)');
  expect(text).toContain('no device status here');
});

test('with statuses: code and meaning per row, the counts, and the nodes no setting accounts for', () => {
  const text = formatExplanation(
    explain('dev-contoso-002', [
      { locUri: `${P}DeviceLock/MinDevicePasswordLength`, status: 'failed', code: 404 },
      { locUri: `${P}Update/AllowAutoUpdate`, status: 'applied', code: 200 },
      { locUri: `${P}Camera/AllowCamera`, status: 'applied', code: 200 },
    ]),
    { color: false },
  );
  const cells = (key: string): string[] => (text.split('\n').find((l) => l.startsWith(key)) ?? '').split(/ {2,}/);
  expect(cells('DeviceLock/MinDevicePasswordLength').at(-1)).toBe('failed 404 node not found');
  expect(cells('Update/AllowAutoUpdate').at(-1)).toBe('applied 200');
  expect(cells('DeviceLock/DevicePasswordExpiration').at(-1)).toBe('unknown');
  expect(cells('agent.enabled').at(-1)).toBe('agent (not SyncML)');
  expect(text).toContain('status: 1 applied, 1 failed, 5 unknown');
  expect(text).toContain(`tracked on the device, not in the effective policy:\n  ${P}Camera/AllowCamera  applied 200`);
});

test('on a terminal: colours, and every line fits the width', () => {
  const text = formatExplanation(explain('dev-contoso-001', [{ locUri: `${P}DeviceLock/MinDevicePasswordLength`, status: 'failed', code: 500 }]), { color: true, width: 100 });
  expect(text).toMatch(ANSI);
  expect(text).toContain('\u001b[31mfailed 500 command failed\u001b[39m');
  const table = text.split('\n\n')[1]!.split('\n').map((l) => l.replace(ANSI, ''));
  for (const line of table) expect(line.length).toBeLessThanOrEqual(100);
  // Long cells wrap onto the next lines: nothing is lost.
  const header = table.find((l) => l.startsWith('SETTING'))!;
  const column = (line: string, name: string, next: string): string => line.slice(header.indexOf(name), header.indexOf(next)).trim();
  expect(header).toMatch(/^SETTING +VALUE +SET BY +BEAT +STATUS$/);
  const at = table.findIndex((l) => l.startsWith('Personalization/'));
  // A row's first line is the one with a status (the last column); the lines below it continue it.
  const end = table.findIndex((l, i) => i > at && l.length > header.indexOf('STATUS'));
  expect(end - at).toBeGreaterThan(1);
  expect(table.slice(at, end).map((l) => column(l, 'VALUE', 'SET BY')).join('')).toBe('https://cdn.contoso.example/wallpaper/sales.jpg');
  expect(table.slice(at, end).map((l) => column(l, 'SET BY', 'BEAT')).join('').replaceAll(' ', '')).toBe('enforced "Sales team apps" by rule "Sales team policies" (tag:sales)'.replaceAll(' ', ''));
  expect(table.slice(at, end).map((l) => column(l, 'SETTING', 'VALUE')).join('')).toBe('Personalization/DesktopImageUrl');
});

test('an ambiguous priority is marked on its row and in the conflicts', () => {
  const device = { ...bundle.devices.find((d) => d.id === 'dev-contoso-003')!, winPolicyAssignments: [
    { winPolicyId: 'pol-contoso-strict-passwords', priority: 1 },
    { winPolicyId: 'pol-contoso-relaxed-updates', priority: 1 },
  ] };
  const resolution = resolveEffectivePolicy({ device, policies: bundle.policies });
  const text = formatExplanation(explainResolution({ device, policies: bundle.policies, resolution }), { color: false });
  expect(text).toMatch(/^!! DeviceLock\/MinDevicePasswordLength +6 +assignment p1 "Relaxed updates"/m);
  expect(text).toContain('  !! DeviceLock/MinDevicePasswordLength: 6 from assignment p1 "Relaxed updates" beat 12 from assignment p1 "Strict passwords"');
});
