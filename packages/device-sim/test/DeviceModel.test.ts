import { describe, expect, it } from 'vitest';
import type { Command, Item, Status } from '@winmdm/syncml';
import { DeviceModel } from '../src/index.js';

const POLICY = './Vendor/MSFT/Policy/Config/Browser/AllowCookies';
const MSI = './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{AF9257BA-6BBD-4624-AA9B-0182D50292C3}';
const JOB =
  '<MsiInstallJob id="{AF9257BA-6BBD-4624-AA9B-0182D50292C3}"><Product Version="4.2.1.0"><Download><ContentURLList>' +
  '<ContentURL>https://cdn.example.com/app.msi</ContentURL></ContentURLList></Download><Validation>' +
  '<FileHash>8C0F7DB8B6B7C4E2</FileHash></Validation><Enforcement><CommandLine>/quiet</CommandLine><TimeOut>5</TimeOut>' +
  '<RetryCount>3</RetryCount><RetryInterval>5</RetryInterval></Enforcement></Product></MsiInstallJob>';

function item(locURI: string, data?: string, format?: string): Item {
  const i: Item = { target: { locURI } };
  if (format !== undefined) i.meta = { format };
  if (data !== undefined) i.data = data;
  return i;
}

const replace = (cmdId: number, uri: string, data: string, format?: string): Command => ({ kind: 'Replace', cmdId, items: [item(uri, data, format)] });
const add = (cmdId: number, uri: string, data?: string, format?: string): Command => ({ kind: 'Add', cmdId, items: [item(uri, data, format)] });
const del = (cmdId: number, uri: string): Command => ({ kind: 'Delete', cmdId, items: [item(uri)] });
const get = (cmdId: number, uri: string): Command => ({ kind: 'Get', cmdId, items: [item(uri)] });
const exec = (cmdId: number, uri: string, data?: string): Command => ({ kind: 'Exec', cmdId, items: [item(uri, data)] });

/** The status codes of one command's answer, in order. */
function codes(model: DeviceModel, command: Command): string[] {
  return model.apply(command).statuses.map((s) => s.data);
}

describe('Replace', () => {
  it('creates an unset Policy CSP node and answers a complete Status: CmdID, MsgRef, CmdRef, Cmd, TargetRef, 200', () => {
    const model = new DeviceModel();
    const answer = model.apply(replace(5, POLICY, '2', 'int'), { msgRef: 1, firstCmdId: 2 });
    expect(answer).toEqual({
      statuses: [{ kind: 'Status', cmdId: 2, msgRef: 1, cmdRef: 5, cmd: 'Replace', targetRefs: [POLICY], sourceRefs: [], data: '200', items: [] }],
      results: [],
    });
    expect(model.get(POLICY)).toBe('2');
  });

  it('answers the configured success code (202 like the Personalization CSP of the transcript)', () => {
    const model = new DeviceModel({ successStatus: { Replace: 202 } });
    expect(codes(model, replace(5, './Vendor/MSFT/Personalization/DesktopImageUrl', 'https://example.com/a.jpg'))).toEqual(['202']);
  });

  it('answers 405 on a read-only inventory node and leaves it as it was', () => {
    const model = new DeviceModel();
    expect(codes(model, replace(2, './DevDetail/SwV', '1.0'))).toEqual(['405']);
    expect(model.get('./DevDetail/SwV')).toBe('10.0.22631.4460');
  });

  it('answers 404 for a missing dynamic instance that must be created with Add first, 200 once it exists', () => {
    const model = new DeviceModel();
    expect(codes(model, replace(2, `${MSI}/DownloadInstall`, ''))).toEqual(['404']);
    expect(model.has(`${MSI}/DownloadInstall`)).toBe(false);
    expect(codes(model, add(3, `${MSI}/DownloadInstall`, ''))).toEqual(['200']);
    expect(codes(model, replace(4, `${MSI}/DownloadInstall`, 'x'))).toEqual(['200']);
  });

  it('answers 405 on an interior node', () => {
    const model = new DeviceModel();
    model.apply(replace(2, POLICY, '1'));
    expect(codes(model, replace(3, './Vendor/MSFT/Policy/Config/Browser', '1'))).toEqual(['405']);
  });

  it('treats ./Vendor/MSFT as ./Device/Vendor/MSFT and the ./user/ scope in any case', () => {
    const model = new DeviceModel();
    model.apply(replace(2, POLICY, '2'));
    expect(model.get('./Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies')).toBe('2');
    model.apply(replace(3, './user/Vendor/MSFT/Policy/Config/Start/HideRecent', '1'));
    expect(model.get('./User/Vendor/MSFT/Policy/Config/Start/HideRecent')).toBe('1');
    expect(model.get('./User/Vendor/MSFT/Policy/config/Start/HideRecent')).toBeUndefined();
  });
});

describe('Add', () => {
  it('creates a node (200), then answers 418 because it already exists', () => {
    const model = new DeviceModel();
    expect(codes(model, add(2, POLICY, '1'))).toEqual(['200']);
    expect(codes(model, add(3, POLICY, '2'))).toEqual(['418']);
    expect(model.get(POLICY)).toBe('1');
  });

  it('answers 405 in a read-only subtree, even for a node that does not exist', () => {
    const model = new DeviceModel();
    expect(codes(model, add(2, './DevInfo/Extra', 'x'))).toEqual(['405']);
    expect(codes(model, add(3, './DevInfo/Man', 'x'))).toEqual(['405']);
    expect(model.has('./DevInfo/Extra')).toBe(false);
  });

  it('creates an interior node with Meta Format node', () => {
    const model = new DeviceModel();
    expect(codes(model, add(2, MSI, undefined, 'node'))).toEqual(['200']);
    expect(model.has(MSI)).toBe(true);
    expect(model.get(MSI)).toBeUndefined();
    expect(codes(model, add(3, MSI, undefined, 'node'))).toEqual(['418']);
  });

  it('answers 405 below a leaf: a value has no children', () => {
    const model = new DeviceModel();
    model.apply(add(2, POLICY, '1'));
    expect(codes(model, add(3, `${POLICY}/Child`, 'x'))).toEqual(['405']);
  });
});

describe('Delete', () => {
  it('removes a node and its subtree (200), then answers 404', () => {
    const model = new DeviceModel();
    model.apply(replace(2, POLICY, '1'));
    model.apply(replace(3, './Vendor/MSFT/Policy/Config/Browser/AllowDoNotTrack', '0'));
    expect(codes(model, del(4, './Vendor/MSFT/Policy/Config/Browser'))).toEqual(['200']);
    expect(model.has(POLICY)).toBe(false);
    expect(model.has('./Vendor/MSFT/Policy/Config/Browser')).toBe(false);
    expect(model.has('./Vendor/MSFT/Policy/Config')).toBe(true);
    expect(codes(model, del(5, POLICY))).toEqual(['404']);
  });

  it('answers 405 on a read-only node and on a subtree that holds one', () => {
    const model = new DeviceModel();
    expect(codes(model, del(2, './DevInfo/Lang'))).toEqual(['405']);
    expect(codes(model, del(3, './Vendor/MSFT'))).toEqual(['405']);
    expect(model.get('./Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining')).toBe('87');
  });
});

describe('Get', () => {
  it('answers 200 and a Results with CmdRef, Cmd Get, Source LocURI, Meta Format and Data', () => {
    const model = new DeviceModel();
    const answer = model.apply(get(7, './DevDetail/Ext/Microsoft/OSPlatform'), { msgRef: 2, firstCmdId: 3 });
    expect(answer.statuses.map((s) => [s.cmdId, s.cmdRef, s.data])).toEqual([[3, 7, '200']]);
    expect(answer.results).toEqual([
      {
        kind: 'Results',
        cmdId: 4,
        msgRef: 2,
        cmdRef: 7,
        cmd: 'Get',
        targetRefs: [],
        sourceRefs: [],
        items: [{ source: { locURI: './DevDetail/Ext/Microsoft/OSPlatform' }, meta: { format: 'chr' }, data: 'Windows 11 Enterprise' }],
      },
    ]);
  });

  it('answers 404 and no Results for a missing node', () => {
    const answer = new DeviceModel().apply(get(2, './Vendor/MSFT/NodeCache/MS%20DM%20Server'));
    expect(answer.statuses.map((s) => s.data)).toEqual(['404']);
    expect(answer.results).toEqual([]);
  });

  it('keeps the Format a value was written with', () => {
    const model = new DeviceModel();
    model.apply(replace(2, POLICY, '2', 'int'));
    expect(model.apply(get(3, POLICY)).results[0]?.items[0]?.meta).toEqual({ format: 'int' });
  });

  it('lists the children of an interior node (Format node)', () => {
    const model = new DeviceModel();
    expect(model.apply(get(2, './Vendor/MSFT/DeviceStatus/Battery')).results[0]?.items[0]).toEqual({
      source: { locURI: './Vendor/MSFT/DeviceStatus/Battery' },
      meta: { format: 'node' },
      data: 'Status/EstimatedChargeRemaining/EstimatedRuntime',
    });
  });
});

describe('Get like Windows, and changes behind the server\'s back', () => {
  const ADMX_BACKED = './Device/Vendor/MSFT/Policy/Config/AppVirtualization/AllowAppVClient';
  const INGESTED = './Device/Vendor/MSFT/Policy/Config/Contoso~Policy~Cat/L_Mode';
  const PASSWORD = './Device/Vendor/MSFT/Accounts/Users/kiosk/Password';

  it('answers 404 for ADMX-backed policy nodes and 405 for write-only nodes, though they hold their values', () => {
    const model = new DeviceModel();
    for (const [uri, value] of [[ADMX_BACKED, '<enabled/>'], [INGESTED, '1'], [PASSWORD, 'secret']] as const) {
      expect(codes(model, replace(2, uri, value))).toEqual(['200']);
      expect(model.get(uri)).toBe(value);
    }
    expect(codes(model, get(3, ADMX_BACKED))).toEqual(['404']);
    expect(codes(model, get(4, INGESTED))).toEqual(['404']);
    expect(codes(model, get(5, PASSWORD))).toEqual(['405']);
    expect(model.apply(get(6, POLICY)).statuses.map((s) => s.data)).toEqual(['404']);
    // A generic client returns them all.
    const generic = new DeviceModel({ getAnswers: 'all' });
    generic.apply(replace(2, ADMX_BACKED, '<enabled/>'));
    expect(generic.apply(get(3, ADMX_BACKED)).results[0]?.items[0]?.data).toBe('<enabled/>');
  });

  it('tamper changes or removes a node without a word to anyone, and a Get shows it', () => {
    const model = new DeviceModel();
    model.apply(replace(2, POLICY, '2', 'int'));
    model.tamper(POLICY, '0', 'int');
    expect(model.apply(get(3, POLICY)).results[0]?.items[0]).toEqual({ source: { locURI: POLICY }, meta: { format: 'int' }, data: '0' });
    model.tamper(POLICY, null);
    expect(model.has(POLICY)).toBe(false);
    expect(codes(model, get(4, POLICY))).toEqual(['404']);
  });
});

describe('Exec', () => {
  it('accepts an MSI DownloadInstall with 202 and reports the install at the next session; the app is then installed with its version', () => {
    const model = new DeviceModel();
    model.apply(add(2, `${MSI}/DownloadInstall`, ''));
    expect(codes(model, exec(3, `${MSI}/DownloadInstall`, JOB))).toEqual(['202']);
    expect(model.has(`${MSI}/Version`)).toBe(false);
    expect(model.beginSession()).toEqual([{ locUri: `${MSI}/DownloadInstall`, productCode: '{AF9257BA-6BBD-4624-AA9B-0182D50292C3}', result: 0 }]);
    expect(model.get(`${MSI}/Version`)).toBe('4.2.1.0');
    expect(model.get(`${MSI}/Status`)).toBe('70');
    expect(model.beginSession()).toEqual([]);
  });

  it('reports a configured install failure and shows the app as failed, not installed', () => {
    const model = new DeviceModel({ installResults: { '{AF9257BA-6BBD-4624-AA9B-0182D50292C3}': 1603 } });
    model.apply(add(2, `${MSI}/DownloadInstall`, ''));
    model.apply(exec(3, `${MSI}/DownloadInstall`, JOB));
    expect(model.beginSession().map((r) => r.result)).toEqual([1603]);
    expect(model.has(`${MSI}/Version`)).toBe(false);
    expect([model.get(`${MSI}/Status`), model.get(`${MSI}/LastError`)]).toEqual(['60', '1603']);
  });

  it('answers 404 when the DownloadInstall node was not added first, 400 without an MsiInstallJob', () => {
    const model = new DeviceModel();
    expect(codes(model, exec(2, `${MSI}/DownloadInstall`, JOB))).toEqual(['404']);
    model.apply(add(3, `${MSI}/DownloadInstall`, ''));
    expect(codes(model, exec(4, `${MSI}/DownloadInstall`, 'install please'))).toEqual(['400']);
    expect(model.beginSession()).toEqual([]);
  });

  it('answers 200 to other Exec, or the configured code', () => {
    expect(codes(new DeviceModel(), exec(2, './Vendor/MSFT/Reboot/RebootNow'))).toEqual(['200']);
    expect(codes(new DeviceModel({ successStatus: { Exec: 202 } }), exec(2, './Vendor/MSFT/Reboot/RebootNow'))).toEqual(['202']);
  });
});

describe('Atomic and Sequence', () => {
  it('Atomic with a failing command: 507 for the Atomic, 216 for the rolled-back successes, the failure keeps its code, nothing changed', () => {
    const model = new DeviceModel({ nodes: { [POLICY]: '1' } });
    const before = [...model.entries()];
    const atomic: Command = {
      kind: 'Atomic',
      cmdId: 10,
      commands: [replace(11, POLICY, '2'), add(12, './Vendor/MSFT/Policy/Config/Start/HideRecent', '1'), get(13, POLICY), replace(14, './DevDetail/SwV', 'x')],
    };
    const answer = model.apply(atomic);
    expect(answer.statuses.map((s) => [s.cmd, s.cmdRef, s.data])).toEqual([
      ['Atomic', 10, '507'],
      ['Replace', 11, '216'],
      ['Add', 12, '216'],
      ['Get', 13, '216'],
      ['Replace', 14, '405'],
    ]);
    expect(answer.results).toEqual([]);
    expect([...model.entries()]).toEqual(before);
    expect(model.has('./Vendor/MSFT/Policy/Config/Start')).toBe(false);
  });

  it('Atomic without failure: every command applied, 200 throughout', () => {
    const model = new DeviceModel();
    const answer = model.apply({ kind: 'Atomic', cmdId: 2, commands: [replace(3, POLICY, '2'), add(4, `${POLICY}2`, '1')] });
    expect(answer.statuses.map((s) => s.data)).toEqual(['200', '200', '200']);
    expect([model.get(POLICY), model.get(`${POLICY}2`)]).toEqual(['2', '1']);
  });

  it('an outer Atomic that fails rolls back a nested Atomic that succeeded', () => {
    const model = new DeviceModel();
    const answer = model.apply({
      kind: 'Atomic',
      cmdId: 2,
      commands: [{ kind: 'Atomic', cmdId: 3, commands: [replace(4, POLICY, '2')] }, del(5, './Vendor/MSFT/Policy/Config/Missing')],
    });
    expect(answer.statuses.map((s) => [s.cmdRef, s.data])).toEqual([
      [2, '507'],
      [3, '216'],
      [4, '216'],
      [5, '404'],
    ]);
    expect(model.has(POLICY)).toBe(false);
  });

  it('Sequence runs its commands in order', () => {
    const model = new DeviceModel();
    const answer = model.apply({ kind: 'Sequence', cmdId: 2, commands: [add(3, POLICY, '1'), replace(4, POLICY, '3'), get(5, POLICY), del(6, POLICY), get(7, POLICY)] });
    expect(answer.statuses.map((s) => [s.cmdRef, s.data])).toEqual([
      [2, '200'],
      [3, '200'],
      [4, '200'],
      [5, '200'],
      [6, '200'],
      [7, '404'],
    ]);
    expect(answer.results.map((r) => r.items[0]?.data)).toEqual(['3']);
  });
});

describe('configured failures', () => {
  it('fails a LocURI with the given code `times` times, without touching the node, then behaves normally', () => {
    const model = new DeviceModel({ failures: [{ match: './Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies', code: 500, times: 2 }] });
    expect(codes(model, replace(2, POLICY, '1'))).toEqual(['500']);
    expect(codes(model, replace(3, POLICY, '1'))).toEqual(['500']);
    expect(model.has(POLICY)).toBe(false);
    expect(codes(model, replace(4, POLICY, '1'))).toEqual(['200']);
  });

  it('applies only to the listed command kinds, matches patterns, and fails forever without `times`', () => {
    const model = new DeviceModel({ failures: [{ match: /\/Browser\//g, code: 425, commands: ['Get'] }] });
    expect(codes(model, replace(2, POLICY, '1'))).toEqual(['200']);
    for (let i = 0; i < 3; i++) expect(codes(model, get(3 + i, POLICY))).toEqual(['425']);
  });
});

describe('answers of any command', () => {
  it('one Status per item when the items of a command ended differently, told apart by TargetRef', () => {
    const model = new DeviceModel();
    const statuses = model.apply({ kind: 'Replace', cmdId: 2, items: [item(POLICY, '1'), item('./DevInfo/Lang', 'de-DE')] }).statuses;
    expect(statuses.map((s: Status) => [s.cmdId, s.cmdRef, s.targetRefs, s.data])).toEqual([
      [1, 2, [POLICY], '200'],
      [2, 2, ['./DevInfo/Lang'], '405'],
    ]);
  });

  it('one Status with every TargetRef when all items ended alike', () => {
    const statuses = new DeviceModel().apply({ kind: 'Get', cmdId: 2, items: [item('./DevInfo/Man'), item('./DevInfo/Mod')] }).statuses;
    expect(statuses.map((s) => [s.targetRefs, s.data])).toEqual([[['./DevInfo/Man', './DevInfo/Mod'], '200']]);
  });

  it('no Status for NoResp, though the command is applied', () => {
    const model = new DeviceModel();
    expect(model.apply({ kind: 'Replace', cmdId: 2, noResp: true, items: [item(POLICY, '1')] }).statuses).toEqual([]);
    expect(model.get(POLICY)).toBe('1');
  });

  it('400 for an item without Target, 406 for Copy, 200 for an Alert, nothing for a Status', () => {
    const model = new DeviceModel();
    expect(codes(model, { kind: 'Replace', cmdId: 2, items: [{ data: '1' }] })).toEqual(['400']);
    expect(codes(model, { kind: 'Copy', cmdId: 3, items: [item(POLICY)] })).toEqual(['406']);
    expect(codes(model, { kind: 'Alert', cmdId: 4, data: '1222', items: [] })).toEqual(['200']);
    expect(codes(model, { kind: 'Status', cmdId: 5, msgRef: 1, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] })).toEqual([]);
  });
});
