/**
 * The read-only inventory a Windows 11 Enterprise 23H2 laptop answers, by LocURI: DevInfo (sent in
 * every session's first message), DevDetail, and the DeviceStatus and licensing nodes MDM servers
 * read to fill a device summary. `./DevInfo/DevId` is absent: it is the device's own id, given to
 * the {@link DeviceModel} as `devId`.
 *
 * Values that change over time on a real device (LocalTime, last scan times) are left out: the
 * model reads no clock. Override or extend any of them with `DeviceModelOptions.inventory`.
 *
 * @example
 * ```ts
 * const model = new DeviceModel({ devId: 'WIN-1', inventory: { ...DEFAULT_INVENTORY, './DevInfo/Lang': 'de-DE' } });
 * ```
 */
export const DEFAULT_INVENTORY: Readonly<Record<string, string>> = Object.freeze({
  './DevInfo/Man': 'Microsoft Corporation',
  './DevInfo/Mod': 'Surface Laptop 5',
  './DevInfo/DmV': '1.3',
  './DevInfo/Lang': 'en-US',
  './DevDetail/DevTyp': 'Surface Laptop 5',
  './DevDetail/OEM': 'Microsoft Corporation',
  './DevDetail/FwV': '17.101.143.0',
  './DevDetail/SwV': '10.0.22631.4460',
  './DevDetail/HwV': '1.0',
  './DevDetail/LrgObj': 'true',
  './DevDetail/Ext/Microsoft/DeviceName': 'DESKTOP-SIM0001',
  './DevDetail/Ext/Microsoft/DNSComputerName': 'DESKTOP-SIM0001',
  './DevDetail/Ext/Microsoft/OSPlatform': 'Windows 11 Enterprise',
  './DevDetail/Ext/Microsoft/ProcessorArchitecture': '9',
  './DevDetail/Ext/Microsoft/SMBIOSSerialNumber': '0F33XK123456789',
  './DevDetail/Ext/Microsoft/TotalRAM': '16384',
  './DevDetail/Ext/Microsoft/TotalStorage': '486000',
  './DevDetail/Ext/WLANMACAddress': '7C:21:4A:0B:5D:E3',
  './Vendor/MSFT/DeviceStatus/Battery/Status': '2',
  './Vendor/MSFT/DeviceStatus/Battery/EstimatedChargeRemaining': '87',
  './Vendor/MSFT/DeviceStatus/Battery/EstimatedRuntime': '21600',
  './Vendor/MSFT/DeviceStatus/OS/Edition': '4',
  './Vendor/MSFT/DeviceStatus/OS/Mode': '0',
  './Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance': '1',
  './Vendor/MSFT/DeviceStatus/TPM/SpecificationVersion': '2.0',
  './Vendor/MSFT/DeviceStatus/DeviceGuard/VirtualizationBasedSecurityStatus': '0',
  './Vendor/MSFT/WindowsLicensing/Edition': '4',
});
