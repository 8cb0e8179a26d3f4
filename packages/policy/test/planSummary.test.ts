import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { inventoryNodes, summaryFromResults, SummarySchema } from '@winmdm/policy';
import { parseMessage, type Results } from '@winmdm/syncml';

function results(values: Record<string, string>, format = 'chr'): Results[] {
  return Object.entries(values).map(([locURI, data], i) => ({
    kind: 'Results',
    cmdId: i + 2,
    msgRef: 1,
    cmdRef: i + 2,
    cmd: 'Get',
    targetRefs: [],
    sourceRefs: [],
    items: [{ source: { locURI }, meta: { format }, data }],
  }));
}

describe('summaryFromResults', () => {
  test('reads the Results of the [MS-MDM] protocol example', () => {
    const xml = readFileSync(new URL('../../../fixtures/syncml/msmdm-spec-example-3-client-status-results.xml', import.meta.url), 'utf8');
    const reply = parseMessage(xml).body.filter((c): c is Results => c.kind === 'Results');
    expect(summaryFromResults(reply)).toEqual({
      os: 'Windows',
      osVersion: '[software version returned here]',
      inventory: {
        './DevDetail/HwV': '[hardware version returned here]',
        './DevDetail/SwV': '[software version returned here]',
      },
    });
  });

  test('fills the upstream summary from a Windows 11 laptop answering the hardware inventory', () => {
    const patch = summaryFromResults(
      results({
        './DevDetail/Ext/Microsoft/DeviceName': 'DESKTOP-ABC123',
        './DevDetail/SwV': '10.0.19045.3803',
        './DevDetail/Ext/Microsoft/OSPlatform': 'Windows 11 Pro',
        './DevDetail/Ext/Microsoft/SMBIOSSerialNumber': 'SN123456789',
        './DevInfo/Man': 'Microsoft Corporation',
        './Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining': '85',
        './Vendor/MSFT/DeviceStatus/CellularIdentities': '356938035643809',
        './DevDetail/Ext/Microsoft/TotalRAM': '16384',
      }),
    );
    expect(patch).toEqual({
      os: 'Windows',
      name: 'DESKTOP-ABC123',
      osVersion: '10.0.19045.3803',
      osVersionName: 'Windows 11 Pro',
      serialNumber: 'SN123456789',
      battery: '85%',
      imei: '356938035643809',
      inventory: {
        './DevDetail/Ext/Microsoft/DeviceName': 'DESKTOP-ABC123',
        './DevDetail/Ext/Microsoft/OSPlatform': 'Windows 11 Pro',
        './DevDetail/Ext/Microsoft/SMBIOSSerialNumber': 'SN123456789',
        './DevDetail/Ext/Microsoft/TotalRAM': '16384',
        './DevDetail/SwV': '10.0.19045.3803',
        './DevInfo/Man': 'Microsoft Corporation',
        './Device/Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining': '85',
        './Device/Vendor/MSFT/DeviceStatus/CellularIdentities': '356938035643809',
      },
    });
    // The summary part is what the upstream document's summary accepts.
    const { inventory: _inventory, ...summary } = patch;
    expect(SummarySchema.parse(summary)).toEqual(summary);
  });

  test('an unknown battery charge (255) and an empty name fill nothing; unknown nodes stay in inventory only', () => {
    const patch = summaryFromResults(
      results({
        './Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining': '255',
        './DevDetail/Ext/Microsoft/DeviceName': '  ',
        './Vendor/MSFT/WindowsLicensing/Edition': '4',
      }),
    );
    expect(patch).toEqual({
      os: 'Windows',
      inventory: {
        './DevDetail/Ext/Microsoft/DeviceName': '  ',
        './Device/Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining': '255',
        './Device/Vendor/MSFT/WindowsLicensing/Edition': '4',
      },
    });
  });

  test('the IMEI is the first modem node under CellularIdentities, listed or addressed', () => {
    expect(summaryFromResults(results({ './Vendor/MSFT/DeviceStatus/CellularIdentities': '356938035643809/490154203237518' }, 'node')).imei).toBe('356938035643809');
    expect(summaryFromResults(results({ './Vendor/MSFT/DeviceStatus/CellularIdentities/356938035643809/IMSI': '310150123456789' })).imei).toBe(
      '356938035643809',
    );
  });

  test('items without Source or Data are skipped; a node reported twice keeps its last value', () => {
    const twice: Results[] = [
      ...results({ './DevDetail/SwV': '10.0.1' }),
      { kind: 'Results', cmdId: 9, cmdRef: 3, targetRefs: [], sourceRefs: [], items: [{ data: 'orphan' }, { source: { locURI: './DevDetail/HwV' } }] },
      ...results({ './DevDetail/SwV': '10.0.2' }),
    ];
    expect(summaryFromResults(twice)).toEqual({ os: 'Windows', osVersion: '10.0.2', inventory: { './DevDetail/SwV': '10.0.2' } });
  });

  test('every summary node is read by the hardware inventory', () => {
    for (const node of [
      './DevDetail/Ext/Microsoft/DeviceName',
      './DevDetail/SwV',
      './DevDetail/Ext/Microsoft/OSPlatform',
      './DevDetail/Ext/Microsoft/SMBIOSSerialNumber',
      './Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining',
      './Vendor/MSFT/DeviceStatus/CellularIdentities',
    ]) {
      expect(inventoryNodes.hardware).toContain(node);
    }
    expect(Object.isFrozen(inventoryNodes.hardware)).toBe(true);
  });
});
