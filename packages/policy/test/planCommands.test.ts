import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  planCommands,
  type AdmxFile,
  type ApplicationInfo,
  type ConfigValue,
  type KnownNode,
  type Plan,
  type PlanOptions,
  type PolicyApplication,
  type ResolutionResult,
} from '@winmdm/policy';
import { serializeMessage, type Command, type Item } from '@winmdm/syncml';
import { fnv1a64 } from '../src/plan/fnv1a64.js';

const contoso = readFileSync(new URL('../../../fixtures/admx/admx-contoso-sample-learn.admx', import.meta.url), 'utf8');
const CONTOSO: AdmxFile = { id: 'AppAdmxFile01', appName: 'ContosoCompanyApp', settingType: 'Policy', fileName: 'contoso.admx', content: contoso };
const CONTOSO_DIGEST = `fnv1a64:${fnv1a64(contoso)}`;
const INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01';
const CAT1 = './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1';
const SIP = `${CAT1}/L_PolicySipCompression`;
const CAMERA = './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera';
const PRODUCT = '{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}';
const MSI_NODE = `./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${PRODUCT}/DownloadInstall`;
const SHA = '9e7c5a3f1d0b8e6c4a2f0d9b7e5c3a1f8d6b4e2c0a9f7d5b3e1c8a6f4d2b0e9c';

interface Draft {
  config?: Record<string, ConfigValue>;
  admx?: AdmxFile[];
  applications?: PolicyApplication[];
  applicationsInfo?: ApplicationInfo[];
  complete?: boolean;
}

function resolution(draft: Draft): ResolutionResult {
  const files = draft.admx ?? [];
  return {
    deviceWinPolicy: {
      config: draft.config ?? {},
      admxConfigs: files.map((f) => ({ winAdmxConfigId: f.id })),
      admxConfigsInfo: files.map((f) => ({ id: f.id, appName: f.appName, settingType: f.settingType, fileName: f.fileName })),
      applications: draft.applications ?? [],
      applicationsInfo: draft.applicationsInfo ?? [],
    },
    winPolicyAssignmentsEnforced: [],
    provenance: [],
    conflicts: [],
    issues: [],
    complete: draft.complete ?? true,
  };
}

function plan(draft: Draft, known: Record<string, KnownNode> = {}, options: Partial<PlanOptions> = {}): Plan {
  return planCommands(resolution(draft), { nodes: new Map(Object.entries(known)) }, {
    maxMsgSize: 524_288,
    admxFiles: draft.admx ?? [],
    ...options,
  });
}

/** `Kind target` for every command, in order. */
function actions(p: Plan): string[] {
  return p.messages.flat().map((c) => {
    const item = (c.command as { items: Item[] }).items[0];
    return `${c.command.kind} ${item?.target?.locURI}`;
  });
}

function only(p: Plan): Command {
  const commands = p.messages.flat();
  expect(commands).toHaveLength(1);
  return (commands[0] as { command: Command }).command;
}

const applied = (value: string, kind: KnownNode['kind'] = 'csp'): KnownNode => ({ kind, value, status: 'applied', code: 200, lastCommand: 'Replace' });

describe('CSP values: Data and Meta/Format', () => {
  test.each([
    ['a number is int', CAMERA, 1, 'int', '1'],
    ['a boolean is bool', './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies', false, 'bool', 'false'],
    ['a digit string under Policy/Config is int', CAMERA, '-5', 'int', '-5'],
    ['a digit string elsewhere is chr', './Device/Vendor/MSFT/Accounts/Domain/ComputerName', '0042', 'chr', '0042'],
    ['other strings are chr', './Device/Vendor/MSFT/Personalization/DesktopImageUrl', 'https://x.example/a.jpg', 'chr', 'https://x.example/a.jpg'],
    ['an explicit format wins', './Device/Vendor/MSFT/WiFi/Profile/Corp/WlanXml', { value: '<WLANProfile/>', format: 'xml' }, 'xml', '<WLANProfile/>'],
    ['an explicit format wins over a number', CAMERA, { value: 1, format: 'chr' }, 'chr', '1'],
    ['{ value } without format is inferred like the bare value', CAMERA, { value: '7' }, 'int', '7'],
    ['b64 stays as given', './Device/Vendor/MSFT/ClientCertificateInstall/PFXCertInstall/x/PFXCertBlob', { value: 'AAEC', format: 'b64' }, 'b64', 'AAEC'],
    ['a fraction is float, not truncated', './Device/Vendor/MSFT/Custom/Ratio', 1.5, 'float', '1.5'],
  ])('%s', (_name, key, value, format, data) => {
    const p = plan({ config: { [key]: value as ConfigValue } });
    expect(only(p)).toEqual({ kind: 'Replace', cmdId: 1, items: [{ target: { locURI: key }, meta: { format, type: 'text/plain' }, data }] });
    expect(p.desired.get(key)).toEqual({ kind: 'csp', value: data });
    expect(p.messages[0]?.[0]?.nodes).toEqual([{ locUri: key, kind: 'csp', value: data, op: 'set' }]);
  });

  test('keys are normalised: ./Vendor/MSFT is ./Device/Vendor/MSFT, the scope case-insensitive', () => {
    const p = plan({ config: { './Vendor/MSFT/Policy/Config/Camera/AllowCamera': 0, './user/Vendor/MSFT/Policy/Config/Start/HideAppList': 1 } });
    expect([...p.desired.keys()]).toEqual([CAMERA, './User/Vendor/MSFT/Policy/Config/Start/HideAppList']);
  });

  test('a value that cannot be sent is an issue, is not sent and its node is not deleted', () => {
    const p = plan(
      { config: { [CAMERA]: 2 ** 60, './Device/Vendor/MSFT/Custom/Text': 'bell\u0007' } },
      { [CAMERA]: applied('1'), './Device/Vendor/MSFT/Custom/Text': applied('old') },
    );
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([]);
    expect(p.issues).toEqual([
      { code: 'invalid-value', path: ['config', './Device/Vendor/MSFT/Custom/Text'], message: 'the value holds a character XML cannot carry', locUri: './Device/Vendor/MSFT/Custom/Text' },
      { code: 'invalid-value', path: ['config', CAMERA], message: `${2 ** 60} is an integer beyond ±2^53; write it as a string with an explicit format`, locUri: CAMERA },
    ]);
  });
});

describe('what is sent given what the device is known to have', () => {
  const draft: Draft = { config: { [CAMERA]: 0 } };
  test.each<[string, KnownNode | undefined, string[]]>([
    ['unknown: Replace', undefined, [`Replace ${CAMERA}`]],
    ['applied with the same value: nothing', applied('0'), []],
    ['applied with another value: Replace', applied('1'), [`Replace ${CAMERA}`]],
    ['pending: Replace', { kind: 'csp', value: '0', status: 'pending' }, [`Replace ${CAMERA}`]],
    ['sent with the same value (in flight): nothing', { kind: 'csp', value: '0', status: 'sent', attemptedThisSession: true }, []],
    ['sent with another value: Replace, the newer wins on the device', { kind: 'csp', value: '1', status: 'sent', attemptedThisSession: true }, [`Replace ${CAMERA}`]],
    ['404 after Replace this session: retried once as Add', { kind: 'csp', value: '0', status: 'failed', code: 404, lastCommand: 'Replace', attemptedThisSession: true }, [`Add ${CAMERA}`]],
    ['404 after that Add: not again this session', { kind: 'csp', value: '0', status: 'failed', code: 404, lastCommand: 'Add', attemptedThisSession: true }, []],
    ['418 after Add this session: retried as Replace', { kind: 'csp', value: '0', status: 'failed', code: 418, lastCommand: 'Add', attemptedThisSession: true }, [`Replace ${CAMERA}`]],
    ['another failure this session: not retried', { kind: 'csp', value: '0', status: 'failed', code: 500, lastCommand: 'Replace', attemptedThisSession: true }, []],
    ['a failure this session of a value no longer desired: the new value is sent', { kind: 'csp', value: '1', status: 'failed', code: 500, lastCommand: 'Replace', attemptedThisSession: true }, [`Replace ${CAMERA}`]],
    ['a failure in an earlier session: retried', { kind: 'csp', value: '0', status: 'failed', code: 500, lastCommand: 'Replace' }, [`Replace ${CAMERA}`]],
    ['404 after Replace in an earlier session: Add', { kind: 'csp', value: '0', status: 'failed', code: 404, lastCommand: 'Replace' }, [`Add ${CAMERA}`]],
    ['418 after Add in an earlier session: Replace', { kind: 'csp', value: '0', status: 'failed', code: 418, lastCommand: 'Add' }, [`Replace ${CAMERA}`]],
  ])('%s', (_name, known, expected) => {
    const p = plan(draft, known === undefined ? {} : { [CAMERA]: known });
    expect(actions(p)).toEqual(expected);
    expect(p.desired.get(CAMERA)).toEqual({ kind: 'csp', value: '0' });
  });

  test('an Add carries the value and its format like the Replace', () => {
    const p = plan(draft, { [CAMERA]: { kind: 'csp', value: '0', status: 'failed', code: 404, lastCommand: 'Replace', attemptedThisSession: true } });
    expect(only(p)).toEqual({ kind: 'Add', cmdId: 1, items: [{ target: { locURI: CAMERA }, meta: { format: 'int', type: 'text/plain' }, data: '0' }] });
  });
});

describe('Deletes', () => {
  const gone = './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies';

  test('a node applied (or sent) and no longer desired is deleted', () => {
    const p = plan({ config: { [CAMERA]: 0 } }, {
      [CAMERA]: applied('0'),
      [gone]: applied('1'),
      './Device/Vendor/MSFT/Custom/InFlight': { kind: 'csp', value: 'x', status: 'sent', attemptedThisSession: true },
    });
    expect(actions(p)).toEqual(['Delete ./Device/Vendor/MSFT/Custom/InFlight', `Delete ${gone}`]);
    expect(p.messages[0]?.[1]).toEqual({
      command: { kind: 'Delete', cmdId: 2, items: [{ target: { locURI: gone } }] },
      nodes: [{ locUri: gone, kind: 'csp', value: null, op: 'delete' }],
    });
    expect(p.stale).toEqual([]);
  });

  test('never when the resolution is incomplete: everything not desired is stale', () => {
    const p = plan({ config: { [CAMERA]: 0 }, complete: false }, { [CAMERA]: applied('0'), [gone]: applied('1'), [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install') });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([gone, INSTALL]);
  });

  test('failed and pending leftovers are not deleted but listed as stale', () => {
    const p = plan({}, {
      [gone]: { kind: 'csp', value: '1', status: 'failed', code: 500, lastCommand: 'Replace' },
      [CAMERA]: { kind: 'csp', value: '1', status: 'pending' },
    });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([gone, CAMERA]);
  });

  test('a Delete that failed in an earlier session is sent again; one refused (not-removable) is kept, never forgotten', () => {
    const p = plan({}, {
      [gone]: { kind: 'csp', value: '1', status: 'failed', code: 500, lastCommand: 'Delete' },
      [CAMERA]: { kind: 'csp', value: '1', status: 'not-removable', code: 405, lastCommand: 'Delete' },
    });
    expect(actions(p)).toEqual([`Delete ${gone}`]);
    expect(p.stale).toEqual([]);
    // In the session in which it failed, it waits for the next one; still not forgotten.
    const same = plan({}, { [gone]: { kind: 'csp', value: '1', status: 'failed', code: 500, lastCommand: 'Delete', attemptedThisSession: true } });
    expect(same.messages).toEqual([]);
    expect(same.stale).toEqual([]);
    // A Delete sent in a session that broke off (turned back into pending) is not confirmed either.
    expect(actions(plan({}, { [gone]: { kind: 'csp', value: '1', status: 'pending', lastCommand: 'Delete' } }))).toEqual([`Delete ${gone}`]);
    // Desired again: the value is set again (the device still holds the old one).
    const back = plan({ config: { [CAMERA]: 0 } }, { [CAMERA]: { kind: 'csp', value: '1', status: 'not-removable', code: 405, lastCommand: 'Delete' } });
    expect(actions(back)).toEqual([`Replace ${CAMERA}`]);
  });

  test('an ADMX file no longer referenced is deleted after the values it defines', () => {
    const p = plan({}, { [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install'), [SIP]: applied('<disabled/>'), [CAMERA]: applied('1') });
    expect(actions(p)).toEqual([`Delete ${CAMERA}`, `Delete ${SIP}`, `Delete ${INSTALL}`]);
    expect(p.messages[0]?.[2]?.nodes).toEqual([{ locUri: INSTALL, kind: 'admx-install', value: null, op: 'delete' }]);
  });
});

describe('ADMX ingestion and ADMX-backed values', () => {
  test('a new file is added first, in CDATA, and its values follow in canonical form', () => {
    const p = plan({ admx: [CONTOSO], config: { [CAMERA]: 1, [SIP]: { state: 'enabled', data: { l_policysipcompression: '02' } } } });
    expect(actions(p)).toEqual([`Add ${INSTALL}`, `Replace ${CAMERA}`, `Replace ${SIP}`]);
    expect(p.messages[0]?.[0]?.command).toEqual({
      kind: 'Add',
      cmdId: 1,
      items: [{ target: { locURI: INSTALL }, meta: { format: 'chr', type: 'text/plain' }, data: contoso }],
    });
    expect(p.desired.get(INSTALL)).toEqual({ kind: 'admx-install', value: CONTOSO_DIGEST });
    expect(p.desired.get(SIP)).toEqual({ kind: 'csp', value: '<enabled/><data id="L_PolicySipCompression" value="2"/>' });
    const xml = serializeMessage({
      header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: 1, target: { locURI: 'd' }, source: { locURI: 's' } },
      body: (p.messages[0] ?? []).map((c) => c.command),
      final: true,
    });
    expect(xml).toContain(`<Data><![CDATA[${contoso}]]></Data>`);
    expect(xml).toContain('<Data><![CDATA[<enabled/><data id="L_PolicySipCompression" value="2"/>]]></Data>');
  });

  test('a file already installed with the same content is not sent again', () => {
    const p = plan({ admx: [CONTOSO], config: { [SIP]: '<disabled/>' } }, { [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install') });
    expect(actions(p)).toEqual([`Replace ${SIP}`]);
  });

  test('a changed file is replaced (ADMXInstall supports Replace since the 2019 updates)', () => {
    const p = plan({ admx: [CONTOSO] }, { [INSTALL]: applied('fnv1a64:0123456789abcdef', 'admx-install') });
    expect(actions(p)).toEqual([`Replace ${INSTALL}`]);
  });

  test('values wait while their file is neither installed nor being sent (it failed this session)', () => {
    const p = plan(
      { admx: [CONTOSO], config: { [SIP]: '<disabled/>', [CAMERA]: 0 } },
      { [INSTALL]: { kind: 'admx-install', value: CONTOSO_DIGEST, status: 'failed', code: 500, lastCommand: 'Add', attemptedThisSession: true } },
    );
    expect(actions(p)).toEqual([`Replace ${CAMERA}`]);
    expect(p.desired.get(SIP)).toEqual({ kind: 'csp', value: '<disabled/>' });
  });

  test('values that failed with their file are retried when the file is sent again', () => {
    const p = plan(
      { admx: [CONTOSO], config: { [SIP]: '<disabled/>' } },
      {
        [INSTALL]: { kind: 'admx-install', value: CONTOSO_DIGEST, status: 'failed', code: 404, lastCommand: 'Replace', attemptedThisSession: true },
        [SIP]: { kind: 'csp', value: '<disabled/>', status: 'failed', code: 404, lastCommand: 'Add', attemptedThisSession: true },
      },
    );
    expect(actions(p)).toEqual([`Add ${INSTALL}`, `Replace ${SIP}`]);
  });

  test('an invalid value is an issue, not sent, and the device keeps its old value', () => {
    const p = plan({ admx: [CONTOSO], config: { [SIP]: { state: 'enabled', data: { L_PolicySipCompression: 7, Nope: 1 } } } }, {
      [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install'),
      [SIP]: applied('<disabled/>'),
    });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([]);
    expect(p.desired.has(SIP)).toBe(false);
    expect(p.issues.map((i) => [i.code, i.path, i.locUri])).toEqual([
      ['enum-value-not-allowed', ['config', SIP, 'data', 'L_PolicySipCompression'], SIP],
      ['unknown-element', ['config', SIP, 'data', 'Nope'], SIP],
    ]);
    expect(p.issues[1]?.message).toBe(
      'ADMX file "AppAdmxFile01": policy "L_PolicySipCompression" has no element "Nope"; its elements are "L_PolicySipCompression"',
    );
  });

  test('a plain number for an ADMX-backed policy is an invalid payload', () => {
    const p = plan({ admx: [CONTOSO], config: { [SIP]: 1 } });
    expect(p.issues).toEqual([
      {
        code: 'invalid-payload',
        path: ['config', SIP],
        message: 'policy "L_PolicySipCompression" of ADMX file "AppAdmxFile01" takes an ADMX-backed value, got the number 1',
        locUri: SIP,
      },
    ]);
  });

  test('a policy of an ingested-app namespace that no effective file defines is an issue, not a blind send', () => {
    const typo = `${CAT1}/L_PolicySipCompresion`;
    const p = plan({ admx: [CONTOSO], config: { [typo]: '<disabled/>' } }, { [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install') });
    expect(p.messages).toEqual([]);
    expect(p.issues).toEqual([
      {
        code: 'admx-policy-unknown',
        path: ['config', typo],
        message:
          'the OMA-URI names a policy of an ingested ADMX file, but no effective ADMX file (admxConfigs with its content in options.admxFiles) defines it',
        locUri: typo,
      },
    ]);
  });

  test('a built-in ADMX-backed policy (Windows ships its ADMX) is decoded and sent in canonical form', () => {
    const key = './Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2';
    const spellings: ConfigValue[] = [
      '<![CDATA[ <Enabled/><Data id="b" value="2"/><data id="A" value="x &amp; y"/> ]]>',
      '&lt;enabled/&gt;&lt;data id="A" value="x &amp;amp; y"/&gt;&lt;data id="b" value="2"/&gt;',
      { state: 'enabled', data: { b: '2', A: 'x & y' } },
    ];
    for (const value of spellings) {
      const p = plan({ config: { [key]: value } });
      expect(p.desired.get(key)).toEqual({ kind: 'csp', value: '<enabled/><data id="A" value="x &amp; y"/><data id="b" value="2"/>' });
      expect((only(p) as { items: Item[] }).items[0]?.meta).toEqual({ format: 'chr', type: 'text/plain' });
    }
  });

  test('an undecodable built-in payload is an issue', () => {
    const key = './Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2';
    const p = plan({ config: { [key]: '<enabled/><data id="x"' } });
    expect(p.messages).toEqual([]);
    expect(p.issues).toEqual([{ code: 'invalid-payload', path: ['config', key], message: expect.stringMatching(/^ADMX-backed value: /), locUri: key }]);
  });

  test('a file that does not parse is an issue, and what the device has of it stays', () => {
    const broken: AdmxFile = { ...CONTOSO, content: '<policyDefinitions><policies>' };
    const p = plan({ admx: [broken], config: { [SIP]: '<disabled/>' } }, { [INSTALL]: applied(CONTOSO_DIGEST, 'admx-install') });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([]);
    expect(p.issues.map((i) => [i.code, i.path])).toEqual([
      ['admx-file-invalid', ['admxConfigs', 'AppAdmxFile01']],
      ['admx-policy-unknown', ['config', SIP]],
    ]);
    expect(p.issues[0]?.message).toMatch(/^ADMX file "AppAdmxFile01" \(contoso\.admx\) cannot be ingested: /);
  });

  test('a file missing from options.admxFiles is an issue, and its ingestion is not deleted', () => {
    const r = resolution({ admx: [CONTOSO] });
    const p = planCommands(r, { nodes: new Map([[INSTALL, applied(CONTOSO_DIGEST, 'admx-install')]]) }, { maxMsgSize: 524_288 });
    expect(p.messages).toEqual([]);
    expect(p.issues).toEqual([
      {
        code: 'admx-file-missing',
        path: ['admxConfigs', 'AppAdmxFile01'],
        message: 'ADMX file "AppAdmxFile01" is effective but options.admxFiles does not carry its content',
        locUri: INSTALL,
      },
    ]);
  });
});

describe('MSI applications', () => {
  const info: ApplicationInfo = {
    id: 'app-1',
    name: 'Contoso Company App',
    type: 'msi',
    productCode: PRODUCT.toLowerCase(),
    version: '1.4.2.1187',
    contentUrl: 'https://cdn.example.com/apps/app.msi?a=1&b=2',
    sha256: SHA,
    commandLine: '/quiet /norestart',
  };

  test('required: Add then Exec of DownloadInstall with the MsiInstallJob, in one message', () => {
    const p = plan({ applications: [{ winApplicationId: 'app-1', action: 'required' }], applicationsInfo: [info] });
    const node = { locUri: MSI_NODE, kind: 'msi', value: `msi:1.4.2.1187:${SHA}`, op: 'set' };
    expect(p.messages).toEqual([
      [
        { command: { kind: 'Add', cmdId: 1, items: [{ target: { locURI: MSI_NODE } }] }, nodes: [node] },
        {
          command: {
            kind: 'Exec',
            cmdId: 2,
            items: [
              {
                target: { locURI: MSI_NODE },
                meta: { format: 'xml', type: 'text/plain' },
                data:
                  `<MsiInstallJob id="${PRODUCT}"><Product Version="1.4.2.1187"><Download><ContentURLList>` +
                  '<ContentURL>https://cdn.example.com/apps/app.msi?a=1&amp;b=2</ContentURL></ContentURLList></Download>' +
                  `<Validation><FileHash>${SHA.toUpperCase()}</FileHash></Validation>` +
                  '<Enforcement><CommandLine>/quiet /norestart</CommandLine><TimeOut>10</TimeOut><RetryCount>3</RetryCount>' +
                  '<RetryInterval>5</RetryInterval></Enforcement></Product></MsiInstallJob>',
              },
            ],
          },
          nodes: [node],
        },
      ],
    ]);
    expect(p.desired.get(MSI_NODE)).toEqual({ kind: 'msi', value: `msi:1.4.2.1187:${SHA}` });
  });

  test('an action that is absent means required; the command line defaults to /quiet', () => {
    const { commandLine: _omitted, ...bare } = info;
    const p = plan({ applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [bare] });
    expect(actions(p)).toEqual([`Add ${MSI_NODE}`, `Exec ${MSI_NODE}`]);
    expect(JSON.stringify(p.messages)).toContain('<CommandLine>/quiet</CommandLine>');
  });

  test('the state key is the LocURI Windows names in its win32csp_install alert', () => {
    const alert = readFileSync(new URL('../../../fixtures/syncml/alert-1224-win32csp-install-learn.xml', import.meta.url), 'utf8');
    const reported = /<LocURI>([^<]+)<\/LocURI>/.exec(alert)?.[1] as string;
    const code = /MSI\/(\{[^}]+\})/.exec(reported)?.[1] as string;
    const p = plan({ applications: [{ winApplicationId: 'x' }], applicationsInfo: [{ ...info, id: 'x', productCode: code }] });
    expect([...p.desired.keys()]).toEqual([reported]);
  });

  test('installed with the same version and hash: nothing', () => {
    const p = plan({ applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [info] }, { [MSI_NODE]: { kind: 'msi', value: `msi:1.4.2.1187:${SHA}`, status: 'applied' } });
    expect(p.messages).toEqual([]);
  });

  test('a failed install is not retried in its session, and is in the next', () => {
    const failed: KnownNode = { kind: 'msi', value: `msi:1.4.2.1187:${SHA}`, status: 'failed', code: 418, lastCommand: 'Add', attemptedThisSession: true };
    const draft = { applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [info] };
    expect(actions(plan(draft, { [MSI_NODE]: failed }))).toEqual([]);
    const { attemptedThisSession: _s, ...earlier } = failed;
    expect(actions(plan(draft, { [MSI_NODE]: earlier }))).toEqual([`Add ${MSI_NODE}`, `Exec ${MSI_NODE}`]);
  });

  test('remove: Delete of the product, the app node set to msi:remove', () => {
    const p = plan({ applications: [{ winApplicationId: 'app-1', action: 'remove' }], applicationsInfo: [info] });
    const product = `./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${PRODUCT}`;
    expect(p.messages).toEqual([
      [{ command: { kind: 'Delete', cmdId: 1, items: [{ target: { locURI: product } }] }, nodes: [{ locUri: MSI_NODE, kind: 'msi', value: 'msi:remove', op: 'set' }] }],
    ]);
    expect(plan({ applications: [{ winApplicationId: 'app-1', action: 'remove' }], applicationsInfo: [info] }, { [MSI_NODE]: { kind: 'msi', value: 'msi:remove', status: 'applied' } }).messages).toEqual([]);
  });

  test('remove waits for a complete resolution', () => {
    const p = plan({ applications: [{ winApplicationId: 'app-1', action: 'remove' }], applicationsInfo: [info], complete: false }, { [MSI_NODE]: { kind: 'msi', value: `msi:1.0:${SHA}`, status: 'applied' } });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([MSI_NODE]);
  });

  test('available: nothing; an app no longer assigned stays installed and is stale', () => {
    const installed: KnownNode = { kind: 'msi', value: `msi:1.0:${SHA}`, status: 'applied' };
    const p = plan({ applications: [{ winApplicationId: 'app-1', action: 'available' }], applicationsInfo: [info] }, { [MSI_NODE]: installed });
    expect(p.messages).toEqual([]);
    expect(p.desired.size).toBe(0);
    expect(p.stale).toEqual([MSI_NODE]);
    expect(plan({}, { [MSI_NODE]: installed }).stale).toEqual([MSI_NODE]);
  });

  test('without an installable version: an issue, and the installed version stays', () => {
    const { version: _v, contentUrl: _u, sha256: _h, ...noVersion } = info;
    const p = plan({ applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [noVersion] }, { [MSI_NODE]: { kind: 'msi', value: `msi:1.0:${SHA}`, status: 'applied' } });
    expect(p.messages).toEqual([]);
    expect(p.stale).toEqual([]);
    expect(p.issues).toEqual([
      {
        code: 'application-unavailable',
        path: ['applications', 'app-1'],
        message: 'application "app-1" has no installable version (version, content URL and SHA-256 are needed)',
        locUri: MSI_NODE,
      },
    ]);
  });

  test('the catalog fills in what the info lacks; a product code that is no GUID is an issue', () => {
    const catalog = {
      id: 'app-1',
      name: 'Contoso Company App',
      type: 'msi' as const,
      productCode: PRODUCT,
      versions: [{ version: '2.0', contentUrl: 'https://cdn.example.com/2.0.msi', sha256: SHA }],
    };
    const p = planCommands(
      resolution({ applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [{ id: 'app-1', version: '2.0' }] }),
      { nodes: new Map() },
      { maxMsgSize: 524_288, applications: [catalog] },
    );
    expect(p.desired.get(MSI_NODE)).toEqual({ kind: 'msi', value: `msi:2.0:${SHA}` });
    const bad = plan({ applications: [{ winApplicationId: 'app-1' }], applicationsInfo: [{ ...info, productCode: 'ContosoApp' }] });
    expect(bad.issues).toEqual([
      { code: 'application-unavailable', path: ['applications', 'app-1'], message: 'application "app-1" has no product code that is a braced GUID ("ContosoApp")' },
    ]);
  });
});

describe('inventory', () => {
  test('hardware: one Get per DevDetail/DevInfo/DeviceStatus node, after everything else', () => {
    const p = plan({ config: { [CAMERA]: 0 } }, {}, { refresh: ['hardware'] });
    const gets = p.messages.flat().slice(1);
    expect(gets.map((c) => (c.command as { items: Item[] }).items[0]?.target?.locURI)).toEqual([
      './DevDetail/Ext/Microsoft/DeviceName',
      './DevDetail/SwV',
      './DevDetail/Ext/Microsoft/OSPlatform',
      './DevDetail/Ext/Microsoft/SMBIOSSerialNumber',
      './DevInfo/Man',
      './DevInfo/Mod',
      './DevDetail/HwV',
      './DevDetail/FwV',
      './DevDetail/Ext/Microsoft/TotalRAM',
      './DevDetail/Ext/Microsoft/TotalStorage',
      './DevDetail/Ext/Microsoft/ProcessorArchitecture',
      './Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining',
      './Vendor/MSFT/DeviceStatus/Battery/Status',
      './Vendor/MSFT/DeviceStatus/OS/Edition',
      './Vendor/MSFT/DeviceStatus/CellularIdentities',
      './DevDetail/LrgObj',
    ]);
    expect(gets[1]).toEqual({
      command: { kind: 'Get', cmdId: 3, items: [{ target: { locURI: './DevDetail/SwV' } }] },
      nodes: [{ locUri: './DevDetail/SwV', kind: 'csp', value: null, op: 'get', inventory: 'hardware' }],
    });
  });

  test('applications: the MSI product lists, and version and status of each managed app', () => {
    const info: ApplicationInfo = { id: 'a', type: 'msi', productCode: PRODUCT, version: '1.0', contentUrl: 'https://x.example/a.msi', sha256: SHA };
    const p = plan({ applications: [{ winApplicationId: 'a' }], applicationsInfo: [info] }, { [MSI_NODE]: { kind: 'msi', value: `msi:1.0:${SHA}`, status: 'applied' } }, { refresh: ['applications'] });
    expect(actions(p)).toEqual([
      'Get ./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
      'Get ./User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
      `Get ./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${PRODUCT}/Version`,
      `Get ./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${PRODUCT}/Status`,
    ]);
  });
});

describe('options', () => {
  test('maxMsgSize and reserveBytes out of range are programming errors (RangeError)', () => {
    const r = resolution({});
    const nodes = { nodes: new Map() };
    expect(() => planCommands(r, nodes, { maxMsgSize: 0 })).toThrow(new RangeError('maxMsgSize must be a positive integer, got 0'));
    expect(() => planCommands(r, nodes, { maxMsgSize: 1.5 })).toThrow(new RangeError('maxMsgSize must be a positive integer, got 1.5'));
    expect(() => planCommands(r, nodes, { maxMsgSize: 8192, reserveBytes: -1 })).toThrow(new RangeError('reserveBytes must be a non-negative integer, got -1'));
    expect(() => planCommands(r, nodes, { maxMsgSize: 4096, reserveBytes: 4096 })).toThrow(
      new RangeError('maxMsgSize 4096 leaves -101 bytes per message for commands after reserveBytes 4096 and the 101-byte envelope; at least 256 are needed'),
    );
    // The default reserve is a quarter of a small MaxMsgSize, which still leaves too little here.
    expect(() => planCommands(r, nodes, { maxMsgSize: 300 })).toThrow(
      new RangeError('maxMsgSize 300 leaves 124 bytes per message for commands after reserveBytes 75 and the 101-byte envelope; at least 256 are needed'),
    );
  });
});

describe('golden: a small plan as it goes on the wire', () => {
  test('ingestion, values, an MSI install, a Delete and a Get, in that order', () => {
    const small: AdmxFile = {
      id: 'Tiny01',
      appName: 'Tiny',
      settingType: 'Policy',
      fileName: 'tiny.admx',
      content:
        '<policyDefinitions revision="1.0" schemaVersion="1.0"><categories><category name="Cat"/></categories><policies>' +
        '<policy name="Mode" class="Machine" key="software\\policies\\tiny" valueName="mode"><parentCategory ref="Cat"/></policy>' +
        '</policies></policyDefinitions>',
    };
    const p = plan(
      {
        admx: [small],
        config: { './Device/Vendor/MSFT/Policy/Config/Tiny~Policy~Cat/Mode': { state: 'enabled' }, './Vendor/MSFT/Policy/Config/Camera/AllowCamera': '0' },
        applications: [{ winApplicationId: 'app-1' }],
        applicationsInfo: [{ id: 'app-1', type: 'msi', productCode: PRODUCT, version: '1.0', contentUrl: 'https://cdn.example.com/a.msi', sha256: SHA }],
      },
      { './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies': applied('2') },
      { refresh: ['applications'] },
    );
    expect(p.messages).toHaveLength(1);
    const xml = serializeMessage({
      header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '7', msgId: 3, target: { locURI: 'DEV' }, source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc' } },
      body: (p.messages[0] ?? []).map((c) => c.command),
      final: true,
    });
    const chr = '<Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>';
    const msi = './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}';
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>' +
        '<SessionID>7</SessionID><MsgID>3</MsgID><Target><LocURI>DEV</LocURI></Target>' +
        '<Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source></SyncHdr><SyncBody>' +
        `<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/Tiny/Policy/Tiny01</LocURI></Target>${chr}` +
        `<Data><![CDATA[${small.content}]]></Data></Item></Add>` +
        '<Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera</LocURI></Target>' +
        '<Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>0</Data></Item></Replace>' +
        `<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Tiny~Policy~Cat/Mode</LocURI></Target>${chr}` +
        '<Data><![CDATA[<enabled/>]]></Data></Item></Replace>' +
        `<Add><CmdID>4</CmdID><Item><Target><LocURI>${msi}/DownloadInstall</LocURI></Target></Item></Add>` +
        `<Exec><CmdID>5</CmdID><Item><Target><LocURI>${msi}/DownloadInstall</LocURI></Target>` +
        '<Meta><Format xmlns="syncml:metinf">xml</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>' +
        '<Data><![CDATA[<MsiInstallJob id="{8F0C7E34-3B7B-4C5A-9C55-0E6B2B1D4A21}"><Product Version="1.0"><Download><ContentURLList>' +
        '<ContentURL>https://cdn.example.com/a.msi</ContentURL></ContentURLList></Download>' +
        '<Validation><FileHash>9E7C5A3F1D0B8E6C4A2F0D9B7E5C3A1F8D6B4E2C0A9F7D5B3E1C8A6F4D2B0E9C</FileHash></Validation>' +
        '<Enforcement><CommandLine>/quiet</CommandLine><TimeOut>10</TimeOut><RetryCount>3</RetryCount><RetryInterval>5</RetryInterval>' +
        '</Enforcement></Product></MsiInstallJob>]]></Data></Item></Exec>' +
        '<Delete><CmdID>6</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies</LocURI></Target></Item></Delete>' +
        '<Get><CmdID>7</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI</LocURI></Target></Item></Get>' +
        '<Get><CmdID>8</CmdID><Item><Target><LocURI>./User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI</LocURI></Target></Item></Get>' +
        `<Get><CmdID>9</CmdID><Item><Target><LocURI>${msi}/Version</LocURI></Target></Item></Get>` +
        `<Get><CmdID>10</CmdID><Item><Target><LocURI>${msi}/Status</LocURI></Target></Item></Get>` +
        '<Final/></SyncBody></SyncML>',
    );
  });
});

describe('fnv1a64 (the ADMX file digest)', () => {
  test.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('published test vector %j', (input, hex) => {
    expect(fnv1a64(input)).toBe(hex);
  });

  test('hashes UTF-8 bytes (a lone surrogate as U+FFFD, like TextEncoder)', () => {
    expect(fnv1a64('é😀')).toBe(fnv1a64('\u00e9\ud83d\ude00'));
    expect(fnv1a64('\ud800')).toBe(fnv1a64('\ufffd'));
    expect(fnv1a64('é')).not.toBe(fnv1a64('e\u0301'));
  });
});

describe('a config key that is not a valid OMA-URI', () => {
  test('is never sent, and is an invalid-loc-uri issue naming the key', () => {
    const p = plan({ config: { './Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera': 0, [CAMERA]: 1 } });
    expect(actions(p)).toEqual([`Replace ${CAMERA}`]);
    expect(p.issues).toEqual([
      {
        code: 'invalid-loc-uri',
        path: ['config', './Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera'],
        message: '"./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera" is not a valid OMA-URI: "Devic" is not a root of the management tree (did you mean "./Device/"?)',
      },
    ]);
    expect(p.desired.has('./Devic/Vendor/MSFT/Policy/Config/Camera/AllowCamera')).toBe(false);
  });
});
