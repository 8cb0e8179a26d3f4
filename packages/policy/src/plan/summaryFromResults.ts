import type { Results } from '@winmdm/syncml';
import { normalizeOmaUri } from '../normalizeOmaUri.js';

/**
 * What `summaryFromResults` learned: the upstream `summary` fields it could fill (`os` is always
 * `"Windows"`), and `inventory`, every value read, by normalised LocURI (`./Vendor/MSFT/...` as
 * `./Device/Vendor/MSFT/...`), including the nodes that fill no summary field. A type alias rather
 * than an interface so that it is assignable to plain JSON object types (`{ [key: string]: unknown }`).
 */
export type SummaryPatch = {
  os: 'Windows';
  /** `./DevDetail/Ext/Microsoft/DeviceName`. */
  name?: string;
  /** `./DevDetail/SwV`, e.g. `10.0.19045.3803`. */
  osVersion?: string;
  /** `./DevDetail/Ext/Microsoft/OSPlatform`, e.g. `Windows 11 Pro`. */
  osVersionName?: string;
  /** `./DevDetail/Ext/Microsoft/SMBIOSSerialNumber`. */
  serialNumber?: string;
  /** The first node name under `DeviceStatus/CellularIdentities` (Windows names them by IMEI). */
  imei?: string;
  /** `DeviceStatus/Battery/EstimatedChargeRemaining` as a percentage, e.g. `85%` (absent when unknown, 255). */
  battery?: string;
  inventory: Record<string, string>;
};

const FIELDS: Readonly<Record<string, 'name' | 'osVersion' | 'osVersionName' | 'serialNumber'>> = {
  './DevDetail/Ext/Microsoft/DeviceName': 'name',
  './DevDetail/SwV': 'osVersion',
  './DevDetail/Ext/Microsoft/OSPlatform': 'osVersionName',
  './DevDetail/Ext/Microsoft/SMBIOSSerialNumber': 'serialNumber',
};
const BATTERY = './Device/Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining';
const CELLULAR = './Device/Vendor/MSFT/DeviceStatus/CellularIdentities';

/**
 * Turns the `Results` of inventory `Get`s (see `inventoryNodes`) into a patch of the upstream
 * device `summary`: name, OS version and edition name, serial number, IMEI, battery, and always
 * `os: "Windows"`. Every value read is also kept, by LocURI, under `inventory`; nodes that fill no
 * summary field appear only there. Items without a Source LocURI or Data are skipped; when a node
 * is reported twice, the last report wins. Pure; the inverse of the plan's inventory `Get`s.
 *
 * @example
 * ```ts
 * summaryFromResults([{ kind: 'Results', cmdId: 3, cmdRef: 5, targetRefs: [], sourceRefs: [],
 *   items: [{ source: { locURI: './DevDetail/SwV' }, data: '10.0.22631.4460' }] }]);
 * // { os: 'Windows', osVersion: '10.0.22631.4460', inventory: { './DevDetail/SwV': '10.0.22631.4460' } }
 * ```
 */
export function summaryFromResults(results: readonly Results[]): SummaryPatch {
  const inventory: Record<string, string> = {};
  for (const result of results) {
    for (const item of result.items) {
      if (item.source === undefined || item.data === undefined) continue;
      inventory[normalizeOmaUri(item.source.locURI)] = item.data;
    }
  }
  const patch: SummaryPatch = { os: 'Windows', inventory: {} };
  for (const uri of Object.keys(inventory).sort()) {
    const value = inventory[uri] as string;
    patch.inventory[uri] = value;
    const field = FIELDS[uri];
    if (field !== undefined) {
      if (value.trim() !== '') patch[field] = value.trim();
    } else if (uri === BATTERY) {
      const percent = /^\s*([0-9]{1,3})\s*$/.exec(value);
      if (percent !== null && Number(percent[1]) <= 100) patch.battery = `${Number(percent[1])}%`;
    } else if (uri === CELLULAR) {
      const imei = value.split('/').map((s) => s.trim()).find((s) => s !== '');
      if (imei !== undefined) patch.imei = imei;
    } else if (uri.startsWith(`${CELLULAR}/`) && patch.imei === undefined) {
      const imei = uri.slice(CELLULAR.length + 1).split('/')[0];
      if (imei !== undefined && imei !== '') patch.imei = imei;
    }
  }
  return patch;
}
