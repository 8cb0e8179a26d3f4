import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  AdmxFileSchema,
  ApplicationSchema,
  BundleSchema,
  ConfigValueSchema,
  DeviceResponseSchema,
  DeviceSchema,
  ErrorEnvelopeSchema,
  IsoTimestampSchema,
  UpdateDeviceRequestSchema,
  WinPolicySchema,
} from '@winmdm/policy';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');
const json = (path: string): unknown => JSON.parse(fixture(path));

describe('the upstream examples parse as they are', () => {
  test('the request example is the upstream document\'s (fixtures/api/update-windows-device.api.txt)', () => {
    const document = fixture('api/update-windows-device.api.txt');
    const request = /^application\/json\n([\s\S]*?)\nResponses$/m.exec(document)?.[1] ?? '';
    expect(JSON.parse(request)).toEqual(json('api/update-request.json'));
  });

  test('the update request', () => {
    const request = UpdateDeviceRequestSchema.parse(json('api/update-request.json'));
    expect(request).toEqual({
      displayName: 'Sales Team Laptop - Updated',
      tags: ['finance', 'headquarters', 'priority'],
      mdmUserId: '507f1f77bcf86cd799439099',
      winPolicyId: '507f1f77bcf86cd7994390aa',
      winPolicyAssignments: [{ winPolicyId: 'string', priority: 0 }],
      segmentId: '1',
    });
  });

  test('the response, with every timestamp normalised to ISO 8601', () => {
    const { data } = DeviceResponseSchema.parse(json('api/update-response.json'));
    expect(data.configDates).toEqual({
      securityPolicy: '2026-02-10T10:00:00.000Z',
      applications: '2026-02-09T15:30:00.000Z',
    });
    expect(data.summary?.expirationTimestamp).toBe('2027-02-10T00:00:00.000Z');
    expect(data.summary?.compliance?.lastCheck).toBe('2026-02-10T12:00:00.000Z');
    expect(data.scripts?.[0]?.resetDate).toBe('2026-02-10T00:00:00.000Z');
    // "2024-01-01T00: 00:00Z": a stray space in one place only, and no fraction.
    expect(data.winPolicy?.scripts?.[0]?.resetDate).toBe('2024-01-01T00:00:00.000Z');
    expect(data.lastLocation?.ip?.lastReportDate).toBe('2024-01-01T00:00:00.000Z');
    expect(data.stateHistory?.[0]?.date).toBe('2025-10-15T09:15:00.000Z');
    expect([data.enrolledDate, data.updatedAt, data.createdAt, data.lastStatusReportTime]).toEqual([
      '2025-10-15T09:15:00.000Z',
      '2026-02-10T14:30:00.000Z',
      '2025-10-15T09:00:00.000Z',
      '2026-02-10T12:30:00.000Z',
    ]);
    const serialized = JSON.stringify(data);
    expect(serialized).not.toMatch(/\d: \d/);
  });

  test('the response keeps the embedded policies, assignments and enforced assignments', () => {
    const { data } = DeviceResponseSchema.parse(json('api/update-response.json'));
    expect(data.winPolicyAssignments).toEqual([{ winPolicyId: '698f42e5457fafa13d0887a3', winPolicy: {}, priority: 1 }]);
    expect(data.winPolicyAssignmentsEnforced?.[0]?.automationRule.deviceAudiences[0]?.reasons).toEqual([
      'tag:sales',
      'user.department:Sales',
    ]);
    expect(data.deviceWinPolicy?.admxConfigsInfo?.[0]?.settingType).toBe('Privacy');
    expect(data.deviceWinPolicy?.applications?.[0]?.updatePolicy?.allowedVersions).toBe('>=1.0.0');
    expect(data.mdmUser?.email).toBe('[email protected]');
    expect(data.customConfig).toEqual({ customField1: 'value1', customField2: true });
  });

  test('unknown fields pass through every upstream object', () => {
    const doc = json('api/update-response.json') as { data: Record<string, any> };
    doc.data['futureField'] = { a: 1 };
    doc.data['winPolicy']['futurePolicyField'] = 'x';
    doc.data['summary']['compliance']['reason'] = 'bitlocker';
    doc.data['winPolicy']['applications'][0]['futureAppField'] = true;
    const { data } = DeviceResponseSchema.parse(doc);
    expect(data['futureField']).toEqual({ a: 1 });
    expect(data.winPolicy?.['futurePolicyField']).toBe('x');
    expect(data.summary?.compliance?.['reason']).toBe('bitlocker');
    expect(data.winPolicy?.applications?.[0]?.['futureAppField']).toBe(true);
  });

  test.each([
    ['api/error-5050-billing-plan.json', 5050, 'Feature not allowed for you billing plan'],
    ['api/error-4002-no-auth-token.json', 4002, 'No auth token'],
    ['api/error-3001-entity-not-found.json', 3001, 'Entity not found'],
  ])('the error envelope %s', (path, code, message) => {
    expect(ErrorEnvelopeSchema.parse(json(path))).toEqual({ status: false, error: { code, message } });
  });
});

describe('UpdateDeviceRequestSchema is strict', () => {
  test('an unknown field is rejected with its name', () => {
    const result = UpdateDeviceRequestSchema.safeParse({ displayName: 'x', tag: ['sales'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['tag'], path: [], message: 'Unrecognized key: "tag"' }),
    ]);
  });

  test('an unknown field inside an assignment is rejected with its path', () => {
    const result = UpdateDeviceRequestSchema.safeParse({ winPolicyAssignments: [{ winPolicyId: 'p', priority: 1, prio: 2 }] });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['prio'], path: ['winPolicyAssignments', 0] }),
    ]);
  });

  test('every field is optional', () => {
    expect(UpdateDeviceRequestSchema.parse({})).toEqual({});
  });
});

describe('IsoTimestampSchema', () => {
  test.each([
    ['2026-02-10T10: 00: 00.000Z', '2026-02-10T10:00:00.000Z'],
    ['2024-01-01T00: 00:00Z', '2024-01-01T00:00:00.000Z'],
    ['2026-02-10T10:00Z', '2026-02-10T10:00:00.000Z'],
    ['2026-02-10T10:00:00.123456Z', '2026-02-10T10:00:00.123Z'],
    ['2026-02-10T10:00:00+01:30', '2026-02-10T08:30:00.000Z'],
    ['2026-02-10T10:00:00-0500', '2026-02-10T15:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    [' 2026-02-10 10:00:00z ', '2026-02-10T10:00:00.000Z'],
  ])('normalises %j to %s', (raw, iso) => {
    expect(IsoTimestampSchema.parse(raw)).toBe(iso);
  });

  test.each([
    '2026-02-10T10:00:00', // no zone: would depend on the machine's time zone
    '2026-02-30T00:00:00Z',
    '2023-02-29',
    '2026-13-01',
    '2026-02-10T24:00:00Z',
    '2026-02-10T10:00:60Z',
    'Feb 10 2026',
    '',
  ])('rejects %j with a message naming it', (raw) => {
    const result = IsoTimestampSchema.safeParse(raw);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        message: `Invalid timestamp "${raw}": expected ISO 8601 with a zone, e.g. 2026-02-10T10:00:00.000Z`,
      }),
    ]);
  });
});

describe('ConfigValueSchema', () => {
  test.each([
    ['1'],
    [1],
    [true],
    [{ value: 1, format: 'int' }],
    [{ value: 'x' }],
    [{ state: 'enabled', data: { Text_VALUE: 'a', List_VALUE: ['a', 'b'], Num: 3, Flag: false } }],
    [{ state: 'disabled' }],
  ])('accepts %j', (value) => {
    expect(ConfigValueSchema.parse(value)).toEqual(value);
  });

  test.each([
    [{ value: 1, fromat: 'int' }],
    [{ value: 1, format: 'dword' }],
    [{ state: 'on' }],
    [null],
    [[1]],
  ])('rejects %j', (value) => {
    expect(ConfigValueSchema.safeParse(value).success).toBe(false);
  });
});

describe('catalog schemas', () => {
  const version = { version: '1.0.0', contentUrl: 'https://cdn.example.com/a.msi', sha256: 'ab'.repeat(32) };
  const app = { id: 'a', name: 'App', type: 'msi', productCode: '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}', versions: [version] };

  test('an application with a braced GUID product code and Windows versions parses', () => {
    expect(ApplicationSchema.parse(app)).toEqual(app);
  });

  test.each([
    [{ productCode: '8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21' }, ['productCode'], 'Expected a braced GUID'],
    [{ type: 'msix' }, ['type'], 'Invalid input: expected "msi"'],
    [{ versions: [{ ...version, version: '1.0.0-beta' }] }, ['versions', 0, 'version'], 'Expected a Windows version: 1 to 4 dot-separated numbers, each 0-65535'],
    [{ versions: [{ ...version, sha256: 'abc' }] }, ['versions', 0, 'sha256'], 'Expected 64 hexadecimal digits'],
  ])('rejects %j at %j', (patch, path, message) => {
    const result = ApplicationSchema.safeParse({ ...app, ...patch });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path, message })]);
  });

  test('an ADMX file needs a Policy or Preference setting type', () => {
    const file = { id: 'x', appName: 'Contoso', settingType: 'Policy', fileName: 'c.admx', content: '<policyDefinitions/>' };
    expect(AdmxFileSchema.parse(file)).toEqual(file);
    expect(AdmxFileSchema.safeParse({ ...file, settingType: 'Privacy' }).error?.issues[0]?.path).toEqual(['settingType']);
  });

  test('a policy document may be empty (the upstream embeds {}) and a device needs an id', () => {
    expect(WinPolicySchema.parse({})).toEqual({});
    expect(DeviceSchema.safeParse({}).error?.issues).toEqual([
      expect.objectContaining({ path: ['id'], message: 'Invalid input: expected string, received undefined' }),
    ]);
  });
});

describe('the seed bundle', () => {
  test('parses, and lets unknown fields through', () => {
    const raw = json('bundles/seed.json') as Record<string, unknown>;
    const bundle = BundleSchema.parse({ ...raw, serverState: { revision: 3 } });
    expect(bundle['serverState']).toEqual({ revision: 3 });
    expect(bundle.devices.map((d) => d.id)).toEqual(['507f1f77bcf86cd799439011']);
    expect(bundle.policies.map((p) => p.id)).toEqual(['507f1f77bcf86cd7994390aa', '698f42e5457fafa13d0887a3']);
    expect(bundle.devices[0]?.winPolicyId).toBe('507f1f77bcf86cd7994390aa');
  });

  test("embeds the Contoso sample ADMX from Microsoft Learn as the ADMX file's content", () => {
    const bundle = BundleSchema.parse(json('bundles/seed.json'));
    expect(bundle.admxFiles?.[0]?.content).toBe(fixture('admx/admx-contoso-sample-learn.admx'));
    expect(bundle.admxFiles?.[0]?.settingType).toBe('Policy');
  });
});
