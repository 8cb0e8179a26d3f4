import { describe, expect, it } from 'vitest';
import {
  parseMessage,
  parseMessageReference,
  serializeMessage,
  serializeMessageReference,
  SyncMLError,
  SyncMLNamespaceError,
  SyncMLCmdIdDuplicateError,
  SyncMLCmdIdInvalidError,
  SyncMLMissingElementError,
  SyncMLNotXmlError,
  type Add,
  type Command,
  type Delete,
  type Get,
  type Replace,
  type Results,
  type Status,
  type SyncMLMessage,
} from '../src/index.js';
import { ADMX_BODIES, FRAGMENTS, WHOLE_MESSAGES, envelope, fixture, fixtureBytes, fixtureNames, syncBodyOf } from './fixture.js';


function kinds(body: readonly Command[]): string[] {
  return body.map((c) => c.kind);
}

function at<T extends Command>(message: SyncMLMessage, index: number, kind: T['kind']): T {
  const command = message.body[index];
  expect(command?.kind).toBe(kind);
  return command as T;
}

/** Both readers: the fast one and the fast-xml-parser reference it is proven equal to. */
const READERS = [
  ['parseMessage', parseMessage],
  ['parseMessageReference', parseMessageReference],
] as const;

const SYNCHDR_OK = { kind: 'Status', msgRef: 1, cmdRef: 0, cmd: 'SyncHdr', data: '200', targetRefs: [], sourceRefs: [], items: [] };

describe('every reference message is covered', () => {
  it('has a test for each file in fixtures/syncml', () => {
    const covered = new Set<string>([
      ...WHOLE_MESSAGES,
      ...FRAGMENTS,
      ...ADMX_BODIES,
      'alert-1226-unenroll-userrequest-package1-learn.txt',
      'win10-realdevice-session-transcript.txt',
      'learn-oma-dm-status-codes.md', // serialize.test.ts: StatusCodes covers the table
    ]);
    expect(fixtureNames()).toEqual([...covered].sort());
  });
});

describe.each(READERS)('real messages read by %s', (_reader, parse) => {
  /** parse → serialize → parse gives the same AST, and both serializers agree byte for byte. */
  function expectRoundTrip(message: SyncMLMessage): void {
    const xml = serializeMessage(message);
    expect(parse(xml)).toEqual(message);
    expect(serializeMessageReference(message)).toBe(xml);
  }

  describe('whole messages from fixtures/syncml', () => {
    it('intune-server-msg1-response.xml: header MaxMsgSize, Status for SyncHdr, 8 Get', () => {
      const m = parse(fixture('intune-server-msg1-response.xml'));
      expect(m.header).toEqual({
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionId: '1',
        msgId: 1,
        target: { locURI: 'SixByFour' },
        source: { locURI: 'https://r.manage.microsoft.com/devicegatewayproxy/cimhandler.ashx' },
        meta: { maxMsgSize: 524288 },
      });
      expect(m.body[0]).toEqual({ ...SYNCHDR_OK, cmdId: 1 });
      expect(kinds(m.body)).toEqual(['Status', ...Array<string>(8).fill('Get')]);
      const gets = m.body.slice(1) as Get[];
      expect(gets.map((g) => g.cmdId)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      expect(gets.map((g) => g.items[0]?.target?.locURI)).toEqual([
        './Vendor/MSFT/NodeCache/MS%20DM%20Server',
        './Vendor/MSFT/NodeCache/MS%20DM%20Server/CacheVersion',
        './Vendor/MSFT/NodeCache/MS%20DM%20Server/ChangedNodes',
        './DevDetail/SwV',
        './DevDetail/Ext/Microsoft/LocalTime',
        './Vendor/MSFT/WindowsLicensing/Edition',
        './Vendor/MSFT/Update/LastSuccessfulScanTime',
        './Vendor/MSFT/DeviceStatus/OS/Mode',
      ]);
      expect(m.final).toBe(true);
      expectRoundTrip(m);
    });

    it('libdmclient-msg1-client-init.xml: single quotes, Cred, MaxMsgSize 16384, Alert without Item', () => {
      const m = parse(fixture('libdmclient-msg1-client-init.xml'));
      expect(m.header.cred).toEqual({
        meta: { format: 'b64', type: 'syncml:auth-basic' },
        data: 'ZnVuYW1ib2w6ZnVuYW1ib2w=',
      });
      expect(m.header.meta).toEqual({ maxMsgSize: 16384 });
      expect(m.header.target.locURI).toBe('http://127.0.0.1:8080/funambol/dm');
      expect(m.header.source.locURI).toBe('DMCtest');
      expect(m.body[0]).toEqual({ kind: 'Alert', cmdId: 1, data: '1201', items: [] });
      const replace = at<Replace>(m, 1, 'Replace');
      expect(replace.cmdId).toBe(2);
      expect(replace.items).toHaveLength(13);
      expect(replace.items[0]).toEqual({
        source: { locURI: './DevInfo/Ext/other/test3' },
        meta: { format: 'chr', type: 'text/plain' },
        data: 'data of test3',
      });
      expect(replace.items[1]).toEqual({ source: { locURI: './DevInfo/Ext/other' }, meta: { format: 'node' }, data: 'test3' });
      expect(replace.items[12]?.data).toBe('test model');
      expect(m.final).toBe(true);
      expectRoundTrip(m);
    });

    it('libdmclient-msg2-reply-to-intune-response.xml: blank line before the declaration, TargetRef/SourceRef, Results without Cmd', () => {
      const m = parse(fixture('libdmclient-msg2-reply-to-intune-response.xml'));
      expect(m.header.msgId).toBe(2);
      expect(kinds(m.body)).toEqual([
        'Status', 'Status', 'Status', 'Status', 'Status', 'Results', 'Status', 'Status', 'Status', 'Status',
      ]);
      expect(m.body.map((c) => c.cmdId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(m.body[0]).toEqual({
        ...SYNCHDR_OK,
        cmdId: 1,
        data: '212',
        targetRefs: ['DMCtest'],
        sourceRefs: ['https://r.manage.microsoft.com/devicegatewayproxy/cimhandler.ashx'],
      });
      const notFound = at<Status>(m, 1, 'Status');
      expect(notFound).toMatchObject({ msgRef: 1, cmdRef: 2, cmd: 'Get', data: '404' });
      expect(notFound.targetRefs).toEqual(['./Vendor/MSFT/NodeCache/MS%20DM%20Server']);
      const results = at<Results>(m, 5, 'Results');
      expect(results).toEqual({
        kind: 'Results',
        cmdId: 6,
        msgRef: 1,
        cmdRef: 5,
        targetRefs: [],
        sourceRefs: [],
        items: [{ source: { locURI: './DevDetail/SwV' }, meta: { format: 'chr', type: 'text/plain' }, data: 'TODO' }],
      });
      expect('cmd' in results).toBe(false);
      expectRoundTrip(m);
    });

    it('msmdm-spec-example-1-client-init.xml: leading space, LoginStatus alert, DevInfo Replace', () => {
      const m = parse(fixture('msmdm-spec-example-1-client-init.xml'));
      expect(m.header.target.locURI).toBe('https://contoso.com/management-server');
      expect(m.header.source.locURI).toBe('{unique device id}');
      expect(m.body[0]).toEqual({
        kind: 'Alert',
        cmdId: 2,
        data: '1224',
        items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'user' }],
      });
      const replace = at<Replace>(m, 1, 'Replace');
      expect(replace.cmdId).toBe(3);
      expect(replace.items.map((i) => [i.source?.locURI, i.data])).toEqual([
        ['./DevInfo/DevId', '{unique device id}'],
        ['./DevInfo/Man', 'Microsoft Corporation'],
        ['./DevInfo/Mod', '{operating system description}'],
        ['./DevInfo/DmV', '1.3'],
        ['./DevInfo/Lang', 'en-US'],
      ]);
      expect(m.final).toBe(true);
      expectRoundTrip(m);
    });

    it('msmdm-spec-example-2-server-response.xml: a comment between commands, the published "./ DevDetail/HwV" typo kept', () => {
      const m = parse(fixture('msmdm-spec-example-2-server-response.xml'));
      expect(kinds(m.body)).toEqual(['Status', 'Get', 'Get']);
      expect(m.body[0]).toEqual({ ...SYNCHDR_OK, cmdId: 1 });
      expect(at<Get>(m, 1, 'Get')).toEqual({ kind: 'Get', cmdId: 4, items: [{ target: { locURI: './DevDetail/SwV' } }] });
      expect(at<Get>(m, 2, 'Get').items[0]?.target?.locURI).toBe('./ DevDetail/HwV');
      expectRoundTrip(m);
    });

    it('msmdm-spec-example-3-client-status-results.xml: Status per Get, Results with Cmd, a comment inside Item', () => {
      const m = parse(fixture('msmdm-spec-example-3-client-status-results.xml'));
      expect(m.header.msgId).toBe(2);
      expect(kinds(m.body)).toEqual(['Status', 'Status', 'Status', 'Results', 'Results']);
      expect(at<Status>(m, 1, 'Status')).toMatchObject({ cmdId: 2, msgRef: 1, cmdRef: 4, cmd: 'Get', data: '200' });
      expect(at<Results>(m, 3, 'Results')).toEqual({
        kind: 'Results',
        cmdId: 4,
        msgRef: 1,
        cmdRef: 4,
        cmd: 'Get',
        targetRefs: [],
        sourceRefs: [],
        items: [{ source: { locURI: './DevDetail/SwV' }, meta: { format: 'chr' }, data: '[software version returned here]' }],
      });
      expect(at<Results>(m, 4, 'Results').items).toEqual([
        { source: { locURI: './DevDetail/HwV' }, data: '[hardware version returned here]' },
      ]);
      expectRoundTrip(m);
    });

    it('poc-server-msg1-response.xml: a Status for each command, Replace with Meta after Target, Type without xmlns', () => {
      const m = parse(fixture('poc-server-msg1-response.xml'));
      expect(m.header.target.locURI).toBe('1E08C6E95D8BB843B1278FF45BC60CC6');
      expect(kinds(m.body)).toEqual(['Status', 'Status', 'Status', 'Status', 'Replace', 'Replace']);
      expect((m.body.slice(0, 4) as Status[]).map((s) => [s.cmdId, s.cmdRef, s.cmd, s.data])).toEqual([
        [1, 0, 'SyncHdr', '200'],
        [2, 2, 'Alert', '200'],
        [3, 3, 'Alert', '200'],
        [4, 4, 'Replace', '200'],
      ]);
      expect(at<Replace>(m, 4, 'Replace')).toEqual({
        kind: 'Replace',
        cmdId: 5,
        items: [
          {
            target: { locURI: './Vendor/MSFT/Personalization/DesktopImageUrl' },
            meta: { format: 'chr', type: 'text/plain' },
            data: 'https://fleetdm.com/images/articles/fleet-4.24.0-cover-1600x900@2x.jpg',
          },
        ],
      });
      expect(at<Replace>(m, 5, 'Replace').items[0]?.target?.locURI).toBe('./Vendor/MSFT/Personalization/LockScreenImageUrl');
      expectRoundTrip(m);
    });

    it('win10-msg1-client-session-start.xml: CmdIDs from 2, Alert 1201 then 1224, DevInfo Replace', () => {
      const m = parse(fixture('win10-msg1-client-session-start.xml'));
      expect(m.header).toEqual({
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionId: '1',
        msgId: 1,
        target: { locURI: 'https://pocmdmserver.com/ManagementServer/MDM.svc' },
        source: { locURI: '1E08C6E95D8BB843B1278FF45BC60CC6' },
      });
      expect(m.body.slice(0, 2)).toEqual([
        { kind: 'Alert', cmdId: 2, data: '1201', items: [] },
        { kind: 'Alert', cmdId: 3, data: '1224', items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'user' }] },
      ]);
      const replace = at<Replace>(m, 2, 'Replace');
      expect(replace.cmdId).toBe(4);
      expect(replace.items.map((i) => i.data)).toEqual(['1E08C6E95D8BB843B1278FF45BC60CC6', 'VMware, Inc.', 'VMware7,1', '1.3', 'en-US']);
      expect(m.final).toBe(true);
      expectRoundTrip(m);
    });

    it('win10-msg2-client-status-202.xml: Status 202 referring to the server CmdIDs', () => {
      const m = parse(fixture('win10-msg2-client-status-202.xml'));
      expect(m.header.msgId).toBe(2);
      expect((m.body as Status[]).map((s) => [s.cmdId, s.msgRef, s.cmdRef, s.cmd, s.data])).toEqual([
        [1, 1, 0, 'SyncHdr', '200'],
        [2, 1, 5, 'Replace', '202'],
        [3, 1, 6, 'Replace', '202'],
      ]);
      expectRoundTrip(m);
    });

    it.each(WHOLE_MESSAGES)('%s parses the same from UTF-8 bytes as from text', (name) => {
      expect(parse(fixtureBytes(name))).toEqual(parse(fixture(name)));
    });
  });

  describe('win10-realdevice-session-transcript.txt', () => {
    /** The HTTP bodies of the log, in order (the last response is empty: Content-Length 0). */
    function bodies(): string[] {
      const text = fixture('win10-realdevice-session-transcript.txt');
      return [...text.matchAll(/-{11} (?:Input|Response) Body -{11}\n([\s\S]*?)\n\s*={20,}/g)].map((m) => m[1] ?? '');
    }

    it('holds two requests and two responses, the last one empty', () => {
      const all = bodies();
      expect(all).toHaveLength(4);
      expect(all[3]?.trim()).toBe('');
    });

    it('the logged wire bodies parse to the same ASTs as the extracted messages', () => {
      const [request1, response1, request2] = bodies();
      expect(parse(request1 ?? '')).toEqual(parse(fixture('win10-msg1-client-session-start.xml')));
      expect(parse(response1 ?? '')).toEqual(parse(fixture('poc-server-msg1-response.xml')));
      expect(parse(request2 ?? '')).toEqual(parse(fixture('win10-msg2-client-status-202.xml')));
    });
  });

  describe('published command fragments, inside a minimal envelope', () => {
    it('alert-1224-loginstatus-learn.xml', () => {
      const m = parse(envelope(fixture('alert-1224-loginstatus-learn.xml')));
      expect(m.body).toEqual([
        {
          kind: 'Alert',
          cmdId: 1,
          data: '1224',
          items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus', format: 'chr' }, data: 'user' }],
        },
      ]);
      expectRoundTrip(m);
    });

    it('alert-1224-synctype-msmdm.xml: a whole SyncBody with an elision, Type standing outside its empty Meta', () => {
      const m = parse(envelope(fixture('alert-1224-synctype-msmdm.xml')));
      expect(m.body).toEqual([
        { kind: 'Alert', cmdId: 1, data: '1224', items: [{ meta: { type: 'com.microsoft.mdm.synctype' }, data: 'user' }] },
      ]);
      expect(m.final).toBe(false);
      expectRoundTrip(m);
    });

    it('alert-1224-win32csp-install-learn.xml: Source, Meta with Mark, result 0', () => {
      const m = parse(envelope(fixture('alert-1224-win32csp-install-learn.xml')));
      expect(m.body).toEqual([
        {
          kind: 'Alert',
          cmdId: 4,
          data: '1224',
          items: [
            {
              source: {
                locURI:
                  './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{AF9257BA-6BBD-4624-AA9B-0182D50292C3}/DownloadInstall',
              },
              meta: {
                type: 'Reversed-Domain-Name:com.microsoft.mdm.win32csp_install',
                format: 'int',
                mark: 'informational',
              },
              data: '0',
            },
          ],
        },
      ]);
      expectRoundTrip(m);
    });

    it('alert-1226-unenroll-server-initiated-learn.xml', () => {
      const m = parse(envelope(fixture('alert-1226-unenroll-server-initiated-learn.xml')));
      expect(m.body).toEqual([
        {
          kind: 'Alert',
          cmdId: 4,
          data: '1226',
          items: [{ meta: { type: 'com.microsoft:mdm.unenrollment.userrequest', format: 'int' }, data: '1' }],
        },
      ]);
      expectRoundTrip(m);
    });
  });

  describe('alert-1226-unenroll-userrequest-package1-learn.txt (published, not well-formed)', () => {
    const text = fixture('alert-1226-unenroll-userrequest-package1-learn.txt');

    function thrown(input: string): unknown {
      try {
        parse(input);
      } catch (error) {
        return error;
      }
      throw new Error('expected parseMessage to throw');
    }

    it('is refused as not XML, naming the unquoted attribute and where it is', () => {
      const error = thrown(text);
      expect(error).toBeInstanceOf(SyncMLNotXmlError);
      expect(error).toMatchObject({
        code: 'ERR_SYNCML_NOT_XML',
        message: 'Not well-formed XML at line 1, column 15: value of attribute xmlns of <SyncML> is not quoted',
      });
    });

    it('with the quotes repaired, the misspelt "syncml:metinfo" namespace is the next error', () => {
      const error = thrown(text.replaceAll('&#39;', "'"));
      expect(error).toBeInstanceOf(SyncMLNamespaceError);
      expect(error).toMatchObject({
        code: 'ERR_SYNCML_NAMESPACE',
        path: 'body[0].items[0].meta',
        message: '<Type> at body[0].items[0].meta declares namespace "syncml:metinfo"; expected "syncml:metinf"',
      });
    });

    it('with the namespace repaired too, the reused CmdID 2 is refused', () => {
      const error = thrown(text.replaceAll('&#39;', "'").replaceAll('syncml:metinfo', 'syncml:metinf'));
      expect(error).toBeInstanceOf(SyncMLCmdIdDuplicateError);
      expect(error).toMatchObject({
        code: 'ERR_SYNCML_CMDID_DUPLICATE',
        message: 'Replace at body[1] reuses CmdID 2 of Alert at body[0]',
      });
      expect(error).toBeInstanceOf(SyncMLError);
    });
  });

  describe('published ADMX-backed policy bodies (Data holding XML, in CDATA or entity-escaped)', () => {
    /** The Replace/Add/Delete of a published body, read inside a minimal envelope. */
    function command<T extends Command>(name: string, kind: T['kind']): T {
      const m = parse(envelope(syncBodyOf(fixture(name))));
      expect(m.body).toHaveLength(1);
      expect(m.body[0]?.kind).toBe(kind);
      expectRoundTrip(m);
      return m.body[0] as T;
    }

    it('are refused as published: no SyncHdr, or the SyncML 1.1 namespace', () => {
      for (const name of ADMX_BODIES) {
        let error: unknown;
        try {
          parse(fixture(name));
        } catch (caught) {
          error = caught;
        }
        if (fixture(name).includes('SYNCML:SYNCML1.1')) {
          expect(error, name).toBeInstanceOf(SyncMLNamespaceError);
          expect(error, name).toMatchObject({
            code: 'ERR_SYNCML_NAMESPACE',
            message: '<SyncML> at the root declares namespace "SYNCML:SYNCML1.1"; expected "SYNCML:SYNCML1.2"',
          });
        } else {
          expect(error, name).toBeInstanceOf(SyncMLMissingElementError);
          expect(error, name).toMatchObject({ code: 'ERR_SYNCML_MISSING_ELEMENT', message: '<SyncML> has no SyncHdr' });
        }
      }
    });

    it('admx-backed-appv-enable-cdata-learn.xml: a CDATA payload broken over lines, the whitespace around the section dropped', () => {
      const replace = command<Replace>('admx-backed-appv-enable-cdata-learn.xml', 'Replace');
      const item = replace.items[0];
      expect(item?.target?.locURI).toBe('./Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2');
      expect(item?.meta).toEqual({ format: 'chr', type: 'text/plain' });
      expect(item?.data?.startsWith('<enabled/><data id="Publishing_Server2_Name_Prompt" value="name prompt"/><data\n')).toBe(true);
      expect(item?.data?.endsWith('<data\n          id="User_Refresh_Unit_Options" value="1"/>')).toBe(true);
    });

    it('admx-backed-appv-enable-entity-escaped-learn-old.xml: the entity-escaped form decodes to the XML text', () => {
      const data = command<Replace>('admx-backed-appv-enable-entity-escaped-learn-old.xml', 'Replace').items[0]?.data;
      expect(data?.startsWith('<enabled/><data id="Publishing_Server2_Name_Prompt" value="snot"/><data id="Publishing_Server_URL_Prompt" value="head"/>')).toBe(true);
      expect(data?.match(/<data /g)).toHaveLength(10);
    });

    it('admx-ingested-app-policy-enable: the CDATA and the entity-escaped publication give the same string', () => {
      const cdata = command<Replace>('admx-ingested-app-policy-enable-cdata-learn.xml', 'Replace');
      const escaped = command<Replace>('admx-ingested-app-policy-enable-entity-escaped-learn-old.xml', 'Replace');
      expect(cdata).toEqual(escaped);
      expect(cdata.cmdId).toBe(103);
      expect(cdata.items[0]?.target?.locURI).toBe(
        './Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~ Policy~ParentCategoryArea~Category1/L_PolicyConfigurationMode',
      );
      expect(cdata.items[0]?.data).toBe(
        '<enabled/><data id="L_ServerAddressInternal_VALUE" value="TextValue1"/><data id="L_ServerAddressExternal_VALUE" value="TextValue2"/>',
      );
    });

    it('keeps "&#xF000;" inside CDATA as the characters written (the payload, not SyncML, decodes it)', () => {
      expect(command<Replace>('admx-backed-list-learn.xml', 'Replace').items[0]?.data).toBe(
        '<Enabled/><Data id="SecondaryHomePagesList" value="http://name1&#xF000;http://name1&#xF000;http://name2&#xF000;http://name2"/>',
      );
      expect(command<Replace>('admx-backed-multitext-learn.xml', 'Replace').items[0]?.data).toBe(
        '<enabled/><data id="Virtualization_JITVAllowList_Prompt" value="C:\\QuickPatch\\TEST\\snot.exe&#xF000;C:\\QuickPatch\\TEST\\foo.exe&#xF000;C:\\QuickPatch\\TEST\\bar.exe"/>',
      );
    });

    it('keeps line breaks inside a CDATA payload (boolean and list, enum)', () => {
      expect(command<Replace>('admx-backed-boolean-and-list-learn.xml', 'Replace').items[0]?.data).toBe(
        '<enabled/><data id="DeviceInstall_Classes_Deny_Retroactive" value="true"/>\n          <Data id="DeviceInstall_Classes_Deny_List" value="1&#xF000;deviceId1&#xF000;2&#xF000;deviceId2"/>',
      );
      expect(command<Replace>('admx-backed-enum-learn.xml', 'Replace').items[0]).toEqual({
        target: { locURI: './Device/Vendor/MSFT/Policy/Config/BitLocker/EncryptionMethodByDriveType' },
        data: '<enabled/>\n          <data id="EncryptionMethodWithXtsOsDropDown_Name" value="4"/>',
      });
    });

    it('admx-backed-appv-disable-learn.xml and the "not configured" Delete', () => {
      expect(command<Replace>('admx-backed-appv-disable-learn.xml', 'Replace').items[0]?.data).toBe('<disabled/>');
      expect(command<Delete>('admx-backed-appv-notconfigured-delete-learn.xml', 'Delete')).toEqual({
        kind: 'Delete',
        cmdId: 1,
        items: [{ target: { locURI: './Device/Vendor/MSFT/Policy/Config/AppVirtualization/PublishingAllowServer2' } }],
      });
    });

    it('admx-backed-text-learn.xml: the published template CmdID "$CmdId$" is refused, a real one accepted', () => {
      const body = syncBodyOf(fixture('admx-backed-text-learn.xml'));
      let error: unknown;
      try {
        parse(envelope(body));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SyncMLCmdIdInvalidError);
      expect(error).toMatchObject({
        code: 'ERR_SYNCML_CMDID_INVALID',
        message: 'Replace at body[0] has CmdID "$CmdId$"; a CmdID is an integer ≥ 1',
      });
      const m = parse(envelope(body.replace('$CmdId$', '7')));
      expect(m.body[0]).toMatchObject({
        kind: 'Replace',
        cmdId: 7,
        items: [{ data: '<enabled/><data id="EnterHomePagePrompt" value="mystartpage"/>' }],
      });
    });

    it('admxinstall-contoso-add-learn.xml: a whole ADMX file in CDATA, kept line for line', () => {
      const add = command<Add>('admxinstall-contoso-add-learn.xml', 'Add');
      expect(add.cmdId).toBe(102);
      const item = add.items[0];
      expect(item?.target?.locURI).toBe('./Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/AppAdmxFile01');
      const source = fixture('admxinstall-contoso-add-learn.xml');
      const payload = source.slice(source.indexOf('<![CDATA[') + 9, source.indexOf(']]>'));
      expect(item?.data).toBe(payload);
      expect(item?.data?.startsWith('<policyDefinitions revision="1.0" schemaVersion="1.0">')).toBe(true);
      expect(item?.data?.endsWith('</policyDefinitions>')).toBe(true);
    });
  });
});
