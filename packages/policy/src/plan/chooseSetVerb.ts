import { ACKNOWLEDGED_STATUSES } from '../delivery/NodeStatus.js';
import type { KnownNode, NodeKind } from './Plan.js';

/**
 * The command(s) that bring a node to its desired value: `Replace` or `Add` of the value, `AddExec`
 * (an MSI install: `Add` of `DownloadInstall`, then `Exec` with the `MsiInstallJob`), or `Delete`
 * (an MSI `remove`, whose desired value is `msi:remove`).
 */
export type SetVerb = 'Replace' | 'Add' | 'AddExec' | 'Delete';

/** The value an MSI node holds when its application is to be removed. */
export const MSI_REMOVED = 'msi:remove';

/** What the planner needs to know besides the node: the time, and whether a drifted value is sent again. */
export interface VerbContext {
  now?: string | undefined;
  remediate: boolean;
}

function normalVerb(kind: NodeKind, value: string, known: KnownNode | undefined): SetVerb {
  if (kind === 'csp') return 'Replace';
  if (kind === 'msi') return value === MSI_REMOVED ? 'Delete' : 'AddExec';
  // An ADMX file: Add creates the ingestion; a device that already holds a revision gets Replace,
  // which ADMXInstall supports since the 2019 cumulative updates of Windows 10 1709 and later
  // (Learn, "Win32 and Desktop Bridge app ADMX policy ingestion"). Either guess is corrected by
  // the 418/404 retries below.
  if (known === undefined) return 'Add';
  if (ACKNOWLEDGED_STATUSES.has(known.status) || known.status === 'sent' || known.status === 'drifted') return 'Replace';
  if (known.status === 'failed' || known.status === 'quarantined') {
    return known.lastCommand === 'Replace' || known.lastCommand === 'Delete' ? 'Replace' : 'Add';
  }
  // The device refused to delete it: it still holds that revision.
  if (known.status === 'not-removable') return 'Replace';
  // pending: a node acknowledged once (by Add or Replace) still holds an older revision.
  return known.lastCommand === 'Add' || known.lastCommand === 'Replace' ? 'Replace' : 'Add';
}

/**
 * What to send for a desired node given what the server knows about it, or `undefined` for
 * nothing (DESIGN §5 and the retry rules):
 *
 * - acknowledged (`applied`, `verified`, `unverifiable`, `conflict`) or `sent` with the desired
 *   value: nothing (done, or in flight); an MSI removal the device refused (`not-removable`):
 *   nothing either, until the action changes; `quarantined` with the desired value: nothing until
 *   the setting changes or is resent;
 * - `drifted` with the desired value: the normal command when `context.remediate`, else nothing
 *   (reported only);
 * - failed: a `Replace` answered 404 is retried as `Add`, an `Add` answered 418 as `Replace` (not
 *   for MSI, whose `Add` may meet an existing node harmlessly), at once in the same session; any
 *   other failure of the same value in this session is not retried until the next session, and a
 *   failure of an earlier session waits for its `retryAt` (the backoff), then gets its variant or
 *   the normal command;
 * - anything else (pending, unknown, another value): the normal command, `Replace` for a CSP value,
 *   `Add` for a new ADMX file and `Replace` for a new revision of one, `Add` + `Exec` for an MSI
 *   install, `Delete` for an MSI removal.
 *
 * A node failing 404 after `Replace` and 418 after `Add` alternately in one session (a device that
 * contradicts itself) would be retried on each plan; the caller bounds how often it re-plans a
 * session. Internal.
 */
export function chooseSetVerb(kind: NodeKind, value: string, known: KnownNode | undefined, context: VerbContext): SetVerb | undefined {
  if (known === undefined) return normalVerb(kind, value, undefined);
  const same = known.value === value;
  if ((ACKNOWLEDGED_STATUSES.has(known.status) || known.status === 'sent' || known.status === 'quarantined') && same) return undefined;
  if (known.status === 'drifted' && same) return context.remediate ? normalVerb(kind, value, known) : undefined;
  // The device refused to uninstall it: not asked again until the application's action changes.
  if (known.status === 'not-removable' && kind === 'msi' && same) return undefined;
  if (known.status === 'failed') {
    let variant: SetVerb | undefined;
    if (kind !== 'msi') {
      if (known.code === 404 && known.lastCommand === 'Replace') variant = 'Add';
      else if (known.code === 418 && known.lastCommand === 'Add') variant = 'Replace';
    }
    if (known.attemptedThisSession === true && same) return variant;
    if (same && known.retryAt !== undefined && context.now !== undefined && known.retryAt > context.now) return undefined;
    return variant ?? normalVerb(kind, value, known);
  }
  return normalVerb(kind, value, known);
}
