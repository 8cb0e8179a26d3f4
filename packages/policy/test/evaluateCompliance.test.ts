import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { COMPLIANCE_BY_STATUS, ComplianceSchema, evaluateCompliance, NODE_STATUSES, type ComplianceNode, type NodeStatus } from '@winmdm/policy';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const NOW = '2026-03-01T12:00:00.000Z';
const P = './Device/Vendor/MSFT/Policy/Config/';
const node = (locUri: string, status: NodeStatus, code: number | null = null): ComplianceNode => ({ locUri, status, code });

describe('evaluateCompliance', () => {
  test('a device whose every setting the device confirmed is compliant, with no reasons', () => {
    const nodes = [node(`${P}A`, 'applied', 200), node(`${P}B`, 'verified', 200), node(`${P}C`, 'unverifiable', 200)];
    expect(evaluateCompliance({ nodes, now: NOW })).toEqual({ compliant: true, lastCheck: NOW, reasons: [], reasonCount: 0 });
    // Nothing to hold is nothing missing.
    expect(evaluateCompliance({ nodes: [], now: NOW })).toEqual({ compliant: true, lastCheck: NOW, reasons: [], reasonCount: 0 });
  });

  test('the reasons: every setting not confirmed, worst first (then in LocURI order), with the code and its meaning where the state has one', () => {
    const result = evaluateCompliance({
      nodes: [
        node(`${P}Pending`, 'pending'),
        node(`${P}Ok`, 'applied', 200),
        node(`${P}Z`, 'failed', 405),
        node(`${P}A`, 'failed', 500),
        node(`${P}Drift`, 'drifted', 200),
        node(`${P}Quar`, 'quarantined', 405),
        node(`${P}Tie`, 'conflict', 200),
        node(`${P}Stuck`, 'not-removable', 405),
        node(`${P}Sent`, 'sent'),
        { locUri: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{X}/DownloadInstall', status: 'failed', code: 1603, kind: 'msi' },
      ],
      unresolved: [{ setting: 'winPolicyAssignments["pol-gone"]', meaning: 'Policy "pol-gone" (assigned) is not among the policies given' }],
      now: NOW,
    });
    expect(result.compliant).toBe(false);
    expect(result.reasonCount).toBe(10);
    expect(result.reasons).toEqual([
      { setting: 'winPolicyAssignments["pol-gone"]', state: 'unresolved', meaning: 'Policy "pol-gone" (assigned) is not among the policies given' },
      { setting: `${P}Quar`, state: 'quarantined', code: 405, meaning: 'not allowed (read-only node?)' },
      { setting: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{X}/DownloadInstall', state: 'failed', code: 1603, meaning: 'installer: fatal error during installation' },
      { setting: `${P}A`, state: 'failed', code: 500, meaning: 'command failed' },
      { setting: `${P}Z`, state: 'failed', code: 405, meaning: 'not allowed (read-only node?)' },
      { setting: `${P}Drift`, state: 'drifted' },
      { setting: `${P}Stuck`, state: 'not-removable', code: 405, meaning: 'not allowed (read-only node?)' },
      { setting: `${P}Tie`, state: 'conflict' },
      { setting: `${P}Pending`, state: 'pending' },
      { setting: `${P}Sent`, state: 'sent' },
    ]);
    // What the server stores is what the schema of summary.compliance accepts.
    expect(ComplianceSchema.parse(result)).toEqual(result);
  });

  test('lists at most maxReasons reasons, and counts them all', () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(`${P}N${String(i).padStart(2, '0')}`, 'pending'));
    const result = evaluateCompliance({ nodes, now: NOW });
    expect(result.reasons).toHaveLength(20);
    expect(result.reasons[0]).toEqual({ setting: `${P}N00`, state: 'pending' });
    expect(result.reasonCount).toBe(30);
    expect(evaluateCompliance({ nodes, now: NOW, maxReasons: 2 }).reasons.map((r) => r.setting)).toEqual([`${P}N00`, `${P}N01`]);
  });

  test('the state table covers every state, and the README shows it', () => {
    expect(Object.keys(COMPLIANCE_BY_STATUS).sort()).toEqual([...NODE_STATUSES].sort());
    const compliant = NODE_STATUSES.filter((s) => COMPLIANCE_BY_STATUS[s].compliant);
    expect(compliant).toEqual(['applied', 'verified', 'unverifiable']);
    for (const status of NODE_STATUSES) {
      const row = `| \`${status}\` | ${COMPLIANCE_BY_STATUS[status].compliant ? 'yes' : 'no'} | ${COMPLIANCE_BY_STATUS[status].why} |`;
      expect(README).toContain(row);
    }
  });
});

describe('evaluateCompliance laws', () => {
  const nodesArb = fc.uniqueArray(
    fc.record({
      locUri: fc.constantFrom(...['A', 'B', 'C', 'D', 'E', 'F'].map((s) => `${P}${s}`)),
      status: fc.constantFrom(...NODE_STATUSES),
      code: fc.option(fc.constantFrom(200, 202, 404, 405, 500), { freq: 3 }),
    }),
    { selector: (n) => n.locUri, maxLength: 6 },
  );
  const unresolvedArb = fc.array(fc.record({ setting: fc.constantFrom('policies["x"]', 'admxFiles["y"]'), meaning: fc.constant('missing') }), { maxLength: 2 });
  const params = { seed: 12, numRuns: 500 };

  test('compliant ⇒ every setting is applied, verified or unverifiable (applied, not readable), and nothing is unresolved', () => {
    fc.assert(
      fc.property(nodesArb, unresolvedArb, (nodes, unresolved) => {
        const result = evaluateCompliance({ nodes, unresolved, now: NOW });
        if (result.compliant) {
          expect(unresolved).toEqual([]);
          for (const n of nodes) expect(['applied', 'verified', 'unverifiable']).toContain(n.status);
        }
      }),
      params,
    );
  });

  test('not compliant ⇔ a reason; each reason is a setting of the device in a state that does not count, one per setting', () => {
    fc.assert(
      fc.property(nodesArb, unresolvedArb, (nodes, unresolved) => {
        const result = evaluateCompliance({ nodes, unresolved, now: NOW, maxReasons: 100 });
        expect(result.compliant).toBe(result.reasonCount === 0);
        expect(result.reasons).toHaveLength(result.reasonCount);
        const expected = nodes.filter((n) => !COMPLIANCE_BY_STATUS[n.status].compliant);
        const settings = result.reasons.filter((r) => r.state !== 'unresolved');
        expect(settings.map((r) => `${r.setting} ${r.state}`).sort()).toEqual(expected.map((n) => `${n.locUri} ${n.status}`).sort());
        for (const forbidden of ['drifted', 'failed', 'quarantined'] as const) {
          if (nodes.some((n) => n.status === forbidden)) expect(result.compliant).toBe(false);
        }
      }),
      params,
    );
  });

  test('the order in which the store hands out the nodes changes nothing', () => {
    fc.assert(
      fc.property(nodesArb, (nodes) => {
        expect(evaluateCompliance({ nodes: [...nodes].reverse(), now: NOW })).toEqual(evaluateCompliance({ nodes, now: NOW }));
      }),
      params,
    );
  });
});
