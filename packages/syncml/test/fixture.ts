/** Reads the real protocol data copied into `fixtures/syncml/` (see fixtures/README.md for sources). */
import { readFileSync, readdirSync } from 'node:fs';

const DIR = new URL('../../../fixtures/syncml/', import.meta.url);

/** The text of one fixture file. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

/** The raw bytes of one fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

/** Every file name in `fixtures/syncml/`. */
export function fixtureNames(): string[] {
  return readdirSync(DIR).sort();
}

/** The whole-message fixtures (everything that is a message, not a fragment or a transcript). */
export const WHOLE_MESSAGES = [
  'dm12-client-header-401-chal-md5.xml',
  'intune-server-msg1-response.xml',
  'libdmclient-msg1-client-init.xml',
  'libdmclient-msg2-reply-to-intune-response.xml',
  'msmdm-spec-example-1-client-init.xml',
  'msmdm-spec-example-2-server-response.xml',
  'msmdm-spec-example-3-client-status-results.xml',
  'poc-server-msg1-response.xml',
  'win10-msg1-client-session-start.xml',
  'win10-msg2-client-status-202.xml',
] as const;

/** Command fragments published on their own (Learn, [MS-MDM]); tested inside an envelope. */
export const FRAGMENTS = [
  'alert-1224-loginstatus-learn.xml',
  'alert-1224-synctype-msmdm.xml',
  'alert-1224-win32csp-install-learn.xml',
  'alert-1226-unenroll-server-initiated-learn.xml',
] as const;

/**
 * Published SyncML documents that set ADMX-backed policies (Learn, "Understanding ADMX-backed
 * policies"; "ADMX policy ingestion"). They are bodies without a SyncHdr, some in the SyncML 1.1
 * namespace; tested as published (refused) and with their SyncBody inside an envelope.
 */
export const ADMX_BODIES = [
  'admx-backed-appv-disable-learn.xml',
  'admx-backed-appv-enable-cdata-learn.xml',
  'admx-backed-appv-enable-entity-escaped-learn-old.xml',
  'admx-backed-appv-notconfigured-delete-learn.xml',
  'admx-backed-boolean-and-list-learn.xml',
  'admx-backed-enum-learn.xml',
  'admx-backed-list-learn.xml',
  'admx-backed-multitext-learn.xml',
  'admx-backed-text-learn.xml',
  'admx-ingested-app-policy-enable-cdata-learn.xml',
  'admx-ingested-app-policy-enable-entity-escaped-learn-old.xml',
  'admxinstall-contoso-add-learn.xml',
] as const;

/** The `<SyncBody>…</SyncBody>` of a published document, for {@link envelope}. */
export function syncBodyOf(document: string): string {
  const start = document.indexOf('<SyncBody>');
  const end = document.lastIndexOf('</SyncBody>') + '</SyncBody>'.length;
  return document.slice(start, end);
}

/**
 * Wraps a published command fragment in a minimal valid message: a fragment that is a whole
 * `SyncBody` goes in as it is, a single command gets a `SyncBody` of its own.
 */
export function envelope(fragment: string): string {
  const header =
    '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
    '<Target><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Target>' +
    '<Source><LocURI>DEVICE-1</LocURI></Source></SyncHdr>';
  const body = fragment.trimStart().startsWith('<SyncBody') ? fragment : `<SyncBody>${fragment}<Final/></SyncBody>`;
  return `<SyncML xmlns="SYNCML:SYNCML1.2">${header}${body}</SyncML>`;
}
