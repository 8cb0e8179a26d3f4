import { describe, expect, test } from 'vitest';
import {
  compareReadBack,
  planCommands,
  readBackComparer,
  readBackEqual,
  unverifiableNode,
  UNVERIFIABLE_NODES,
  type KnownNode,
  type ResolutionResult,
  type VerifyOptions,
} from '@winmdm/policy';

const P = './Device/Vendor/MSFT/Policy/Config/';

describe('type-aware read-back comparers', () => {
  test.each([
    ['int', '8', '08', true],
    ['int', '8', '+8 ', true],
    ['int', '8', '9', false],
    ['int', '8', 'eight', false],
    ['float', '1.5', '1.50', true],
    ['bool', 'true', '1', true],
    ['bool', 'false', 'False', true],
    ['bool', 'true', '0', false],
    ['bool', 'yes', 'yes', false],
    ['xml', '<a y="2" x="1"><b>t</b></a>', '<a x="1" y="2">\n  <b><![CDATA[t]]></b>\n</a>', true],
    ['xml', '<a><b>t</b></a>', '<a><b>u</b></a>', false],
    ['xml', 'not xml', 'not xml', true],
    ['admx', '<enabled/><data id="Sip" value="2"/>', '<![CDATA[<Enabled/><Data id="sip" value="2"/>]]>', true],
    ['admx', '<enabled/><data id="Sip" value="2"/>', '<enabled/><data id="Sip" value="3"/>', false],
    ['admx', '<disabled/>', '&lt;disabled/&gt;', true],
    ['b64', 'QUJD\nREVG', 'QUJDREVG', true],
    ['chr', 'https://x.example', 'https://X.example', false],
    ['chr', 'same', 'same', true],
  ] as const)('%s: %j vs %j → %s', (comparer, sent, actual, equal) => {
    expect(readBackEqual(comparer, sent, actual)).toBe(equal);
  });

  test('the comparer follows the format sent; ADMX-backed values are compared as such', () => {
    expect(readBackComparer('int', false)).toBe('int');
    expect(readBackComparer('chr', true)).toBe('admx');
    expect(readBackComparer('node', false)).toBe('chr');
  });

  test('the status of a read-back Get: 404 absent (normal or not), other 4xx unreadable, 5xx transient', () => {
    const node = { comparer: 'chr' as const, sent: 'x', absentIsNormal: false };
    expect(compareReadBack(node, 200, 'x')).toEqual({ kind: 'equal' });
    expect(compareReadBack(node, 200, 'y')).toEqual({ kind: 'different', actual: 'y' });
    expect(compareReadBack(node, 404)).toEqual({ kind: 'absent', expected: false });
    expect(compareReadBack({ ...node, absentIsNormal: true }, 404)).toEqual({ kind: 'absent', expected: true });
    expect(compareReadBack(node, 405)).toEqual({ kind: 'unreadable' });
    expect(compareReadBack(node, 500)).toEqual({ kind: 'transient' });
    expect(compareReadBack(node, 200)).toEqual({ kind: 'transient' });
  });
});

describe('the table of nodes that cannot be read back', () => {
  test('names a reason for every entry, and matches by state key, kind and value', () => {
    for (const entry of UNVERIFIABLE_NODES) expect(entry.reason.length).toBeGreaterThan(20);
    expect(unverifiableNode('./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/A/Policy/f', 'admx-install', 'fnv1a64:1')?.when).toBe('always');
    expect(unverifiableNode('./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{X}/DownloadInstall', 'msi', 'msi:1:a')?.when).toBe('always');
    expect(unverifiableNode(`${P}AppVirtualization/AllowAppVClient`, 'csp', '<enabled/>')?.when).toBe('not-found');
    expect(unverifiableNode(`${P}Contoso~Policy~Cat/L_Mode`, 'csp', '<disabled/>')?.reason).toMatch(/ingested ADMX/);
    expect(unverifiableNode('./Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml', 'csp', '<WLANProfile/>')?.when).toBe('always');
    expect(unverifiableNode('./User/Vendor/MSFT/Policy/Config/Start/HideRecent', 'csp', '1')?.when).toBe('not-found');
    expect(unverifiableNode(`${P}Camera/AllowCamera`, 'csp', '0')).toBeUndefined();
  });
});

describe('planCommands: drift detection', () => {
  const resolution = (config: Record<string, unknown>, winPolicyId = 'pol-a'): ResolutionResult => ({
    deviceWinPolicy: { config: config as never },
    winPolicyAssignmentsEnforced: [],
    provenance: Object.entries(config).map(([key, value]) => ({ field: 'config', key, source: { layer: 'base', winPolicyId }, value, overridden: [] })),
    conflicts: [],
    issues: [],
    complete: true,
  });
  const applied = (value: string, patch: Partial<KnownNode> = {}): KnownNode => ({ kind: 'csp', value, status: 'applied', code: 200, lastCommand: 'Replace', ...patch });
  const verify = (patch: Partial<VerifyOptions> = {}): VerifyOptions => ({ since: '2026-12-01T00:00:00.000Z', limit: 10, inScope: () => true, userSession: true, ...patch });
  const gets = (p: ReturnType<typeof planCommands>): string[] =>
    p.messages.flat().filter((c) => c.command.kind === 'Get').map((c) => `${c.nodes[0]?.locUri} ${c.nodes[0]?.readBack?.comparer}/${String(c.nodes[0]?.readBack?.absentIsNormal)}`);

  test('reads back acknowledged values not read since the round began, oldest first, bounded, after every command', () => {
    const config = { [`${P}A/One`]: 1, [`${P}A/Two`]: true, [`${P}A/Three`]: 'x', [`${P}A/New`]: 5, [`${P}A/Sip`]: '<enabled/><data id="S" value="1"/>' };
    const known = new Map<string, KnownNode>([
      [`${P}A/One`, applied('1', { checkedAt: '2026-11-01T00:00:00.000Z' })],
      [`${P}A/Two`, applied('true')],
      [`${P}A/Three`, applied('x', { status: 'verified', checkedAt: '2026-12-01T01:00:00.000Z' })],
      [`${P}A/Sip`, applied('<enabled/><data id="S" value="1"/>', { checkedAt: '2026-11-02T00:00:00.000Z' })],
    ]);
    const p = planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, verify: verify({ limit: 2 }) });
    // New is sent (Replace), never read back in the same plan; Three was read in this round.
    expect(p.messages.flat().map((c) => c.command.kind)).toEqual(['Replace', 'Get', 'Get']);
    expect(gets(p)).toEqual([`${P}A/Two bool/false`, `${P}A/One int/false`]);
    expect(p.verification).toEqual({ inScope: 4, planned: 2, remaining: 1, unverifiable: [] });
    const next = planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, verify: verify({ limit: 5 }) });
    expect(gets(next)).toEqual([`${P}A/Two bool/false`, `${P}A/One int/false`, `${P}A/Sip admx/true`]);
  });

  test('only policies in scope; nodes that cannot be read are listed, ./User nodes only with the enrolled user signed in', () => {
    const config = { [`${P}A/One`]: 1, './Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml': { value: '<WLANProfile/>', format: 'xml' }, './User/Vendor/MSFT/Policy/Config/A/U': 1 };
    const known = new Map<string, KnownNode>(
      Object.entries({ [`${P}A/One`]: '1', './Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml': '<WLANProfile/>', './User/Vendor/MSFT/Policy/Config/A/U': '1' }).map(([k, v]) => [k, applied(v)]),
    );
    expect(planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, verify: verify({ inScope: (id) => id === 'other' }) }).verification).toEqual({
      inScope: 0,
      planned: 0,
      remaining: 0,
      unverifiable: [],
    });
    const away = planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, verify: verify({ userSession: false }) });
    expect(gets(away)).toEqual([`${P}A/One int/false`]);
    expect(away.verification?.unverifiable.map((u) => u.locUri)).toEqual(['./Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml', './User/Vendor/MSFT/Policy/Config/A/U']);
    const home = planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, verify: verify() });
    expect(gets(home)).toEqual([`${P}A/One int/false`, './User/Vendor/MSFT/Policy/Config/A/U int/true']);
  });

  test('a drifted value is sent again unless its policy says report only', () => {
    const config = { [`${P}A/One`]: 1 };
    const known = new Map<string, KnownNode>([[`${P}A/One`, applied('1', { status: 'drifted' })]]);
    expect(planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288 }).messages.flat().map((c) => c.command.kind)).toEqual(['Replace']);
    const reportOnly = planCommands(resolution(config), { nodes: known }, { maxMsgSize: 524288, remediate: (id) => id !== 'pol-a' });
    expect(reportOnly.messages).toEqual([]);
    expect(reportOnly.desired.get(`${P}A/One`)).toEqual({ kind: 'csp', value: '1', policyId: 'pol-a' });
  });
});
