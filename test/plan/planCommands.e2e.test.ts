/**
 * End to end: a bundle that ingests Microsoft's Contoso sample ADMX and sets its policies in both
 * forms (the payload string of Learn's example and `{ state, data }`), a built-in ADMX-backed
 * policy, a plain CSP value and two invalid ADMX-backed values, resolved and planned; the SyncML is
 * compared with what was written out by hand from the Learn examples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BundleSchema, planCommands, resolveEffectivePolicy, type KnownNode, type Plan } from '@winmdm/policy';
import { serializeMessage, type SyncHdr } from '@winmdm/syncml';

const text = (path: string): string => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

const bundle = BundleSchema.parse(JSON.parse(text('plan/admx-demo.json')));
const contoso = text('admx/admx-contoso-sample-learn.admx');
const device = bundle.devices[0];
if (device === undefined) throw new Error('fixtures/plan/admx-demo.json has no device');
const resolution = resolveEffectivePolicy({ device, policies: bundle.policies, admxFiles: bundle.admxFiles });

const header: SyncHdr = {
  verDTD: '1.2',
  verProto: 'DM/1.2',
  sessionId: '1',
  msgId: 2,
  target: { locURI: '65b000000000000000000011' },
  source: { locURI: 'https://mdm.example.com/ManagementServer/MDM.svc' },
};

function plan(nodes: ReadonlyMap<string, KnownNode> = new Map()): Plan {
  return planCommands(resolution, { nodes }, { maxMsgSize: 524_288, admxFiles: bundle.admxFiles });
}

const INSTALL = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01';
const CAT1 = './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1';
const CAT3 = './User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2~Category3';
const FORMAT_CHR = '<Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>';
const FORMAT_INT = '<Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>';

/** One value command as Windows' examples write it, in the codec's canonical layout. */
function replace(cmdId: number, locUri: string, meta: string, data: string): string {
  return `<Replace><CmdID>${cmdId}</CmdID><Item><Target><LocURI>${locUri}</LocURI></Target>${meta}<Data>${data}</Data></Item></Replace>`;
}

describe('planCommands end to end (fixtures/plan/admx-demo.json)', () => {
  it('uses the payload of Learn\'s ingested-policy example as its encoded-string value', () => {
    const learn = text('admx/admx-ingested-app-policy-enable-cdata-learn.xml');
    const payload = /<!\[CDATA\[(.*?)\]\]>/s.exec(learn)?.[1];
    expect(bundle.policies[0]?.config?.[`${CAT1}/L_PolicyConfigurationMode`]).toBe(payload);
    expect(resolution.complete).toBe(true);
    expect(resolution.issues).toEqual([]);
  });

  it('ingests the ADMX first (in CDATA), then sends the valid values in canonical form, and reports the invalid ones', () => {
    const p = plan();
    expect(p.messages).toHaveLength(1);
    const xml = serializeMessage({ header, body: (p.messages[0] ?? []).map((c) => c.command), final: true });
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2">' +
      '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID>' +
      '<Target><LocURI>65b000000000000000000011</LocURI></Target>' +
      '<Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source></SyncHdr>' +
      '<SyncBody>' +
      `<Add><CmdID>1</CmdID><Item><Target><LocURI>${INSTALL}</LocURI></Target>${FORMAT_CHR}<Data><![CDATA[${contoso}]]></Data></Item></Add>` +
      replace(
        2,
        './Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2',
        FORMAT_CHR,
        '<![CDATA[<enabled/><data id="Global_Publishing_Refresh_Options" value="1"/><data id="Publishing_Server2_Name_Prompt" value="name prompt"/>]]>',
      ) +
      replace(3, './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', FORMAT_INT, '0') +
      replace(
        4,
        `${CAT1}/L_PolicyConfigurationMode`,
        FORMAT_CHR,
        '<![CDATA[<enabled/><data id="L_ServerAddressExternal_VALUE" value="TextValue2"/><data id="L_ServerAddressInternal_VALUE" value="TextValue1"/>]]>',
      ) +
      replace(5, `${CAT1}/L_PolicyEnableSIPHighSecurityMode`, FORMAT_CHR, '<![CDATA[<disabled/>]]>') +
      replace(6, `${CAT1}/L_PolicySipCompression`, FORMAT_CHR, '<![CDATA[<enabled/><data id="L_PolicySipCompression" value="2"/>]]>') +
      replace(
        7,
        `${CAT3}/L_PolicyGalDownloadInitialDelay_1`,
        FORMAT_CHR,
        '<![CDATA[<enabled/><data id="L_GalDownloadInitialDelay_VALUE" value="15"/>]]>',
      ) +
      '<Final/></SyncBody></SyncML>';
    expect(xml).toBe(expected);

    expect(p.issues).toEqual([
      {
        code: 'required-element-missing',
        path: [
          'config',
          './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicyConfiguredServerCheckValues',
          'data',
          'L_ConfiguredServerCheckValues_VALUE',
        ],
        message:
          'ADMX file "AppAdmxFile01": policy "L_PolicyConfiguredServerCheckValues" requires element "L_ConfiguredServerCheckValues_VALUE" when enabled',
        locUri: './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicyConfiguredServerCheckValues',
      },
      {
        code: 'enum-value-not-allowed',
        path: [
          'config',
          './User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicySipCompression_1',
          'data',
          'L_PolicySipCompression',
        ],
        message: expect.stringMatching(/^ADMX file "AppAdmxFile01": enum element "L_PolicySipCompression": .*7/),
        locUri: './User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicySipCompression_1',
      },
    ]);
    expect(p.desired.has('./User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicySipCompression_1')).toBe(false);
    expect(p.desired.get(INSTALL)?.kind).toBe('admx-install');
    expect(p.desired.get(INSTALL)?.value).toMatch(/^fnv1a64:[0-9a-f]{16}$/);
    expect(p.desired.size).toBe(7);
  });

  it('converges: once the device acknowledged everything, the next plan is empty and the invalid values stay untouched', () => {
    const first = plan();
    const invalid = './User/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category2/L_PolicySipCompression_1';
    const known = new Map<string, KnownNode>([[invalid, { kind: 'csp', value: '<disabled/>', status: 'applied' }]]);
    for (const [locUri, { kind, value }] of first.desired) known.set(locUri, { kind, value, status: 'applied', code: 200, lastCommand: 'Replace' });
    const second = plan(known);
    expect(second.messages).toEqual([]);
    expect(second.stale).toEqual([]);
  });

  it('sends only what changed when the file is already ingested', () => {
    const first = plan();
    const known = new Map<string, KnownNode>();
    for (const [locUri, { kind, value }] of first.desired) known.set(locUri, { kind, value, status: 'applied' });
    known.set(`${CAT1}/L_PolicySipCompression`, { kind: 'csp', value: '<enabled/><data id="L_PolicySipCompression" value="1"/>', status: 'applied' });
    const second = plan(known);
    const xml = serializeMessage({ header, body: (second.messages[0] ?? []).map((c) => c.command), final: true });
    expect(xml).toContain(
      `<SyncBody>${replace(1, `${CAT1}/L_PolicySipCompression`, FORMAT_CHR, '<![CDATA[<enabled/><data id="L_PolicySipCompression" value="2"/>]]>')}<Final/></SyncBody>`,
    );
  });
});
