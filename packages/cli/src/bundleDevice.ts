import { resolveEffectivePolicy, type Bundle, type Device, type ResolutionResult } from '@winmdm/policy';
import { CliError } from './CliError.js';

/** The bundle's device with this id or winId; a missing one is an input error that names it. */
export function findBundleDevice(bundle: Bundle, id: string): Device {
  const device = bundle.devices.find((d) => d.id === id || d.winId === id);
  if (!device) throw new CliError('ERR_CLI_INPUT', `the bundle has no device with id or winId ${JSON.stringify(id)}`);
  return device;
}

/** The resolution of one of the bundle's devices, against the bundle's policies, rules and catalogs. */
export function resolveBundleDevice(bundle: Bundle, device: Device): ResolutionResult {
  return resolveEffectivePolicy({
    device,
    policies: bundle.policies,
    automationRules: bundle.automationRules,
    applications: bundle.applications,
    admxFiles: bundle.admxFiles,
  });
}
