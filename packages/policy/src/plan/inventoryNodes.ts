/**
 * The nodes a plan reads (`Get`, one command per node, as Intune does) when the upstream
 * `refreshInfoNeeded` asks for an inventory:
 *
 * - `hardware`: what fills the device `summary` (see `summaryFromResults`): DevDetail (`SwV`,
 *   `HwV`, `FwV`, `Ext/Microsoft/DeviceName`, `OSPlatform`, `SMBIOSSerialNumber`, `TotalRAM`,
 *   `TotalStorage`, `ProcessorArchitecture`), DevInfo (`Man`, `Mod`) and DeviceStatus (battery
 *   charge and status, OS edition, the cellular identities whose node names are the modems' IMEIs).
 *   A node a device does not have (no battery, no modem) is answered 404 and simply left out.
 *   `DevDetail/LrgObj` tells whether the device takes large objects (the planner respects it).
 * - `applications`: the MSI products EnterpriseDesktopAppManagement knows, machine-wide and for
 *   the signed-in user (interior nodes: their value lists the product codes). The plan also reads
 *   `Version` and `Status` of every MSI application it manages.
 *
 * @example
 * ```ts
 * inventoryNodes.hardware.includes('./DevDetail/SwV'); // true
 * ```
 */
export const inventoryNodes: { readonly hardware: readonly string[]; readonly applications: readonly string[] } = Object.freeze({
  hardware: Object.freeze([
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
  ]),
  applications: Object.freeze([
    './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
    './User/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI',
  ]),
});
