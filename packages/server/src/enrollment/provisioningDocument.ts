import { X509Certificate } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { EnrollmentSettings } from './EnrollmentSettings.js';

/** What {@link provisioningDocument} writes. */
export interface ProvisioningInput {
  settings: EnrollmentSettings;
  /** The CA that signed the device's certificate (goes into the device's trusted root store). */
  caCertificate: X509Certificate;
  /** The device's new client certificate. */
  clientCertificate: X509Certificate;
  /** `Full` (a user's enrollment: the certificate goes to My/User) or `Device` (My/System). */
  enrollmentType: 'Full' | 'Device';
  /** Windows' DeviceID, the certificate's subject CN (how the DM client finds its certificate). */
  deviceId: string;
  /** The device endpoint's URL (the DM account's ADDR). */
  mdmUrl: string;
  /** The enrollment service's URL (where ROBO renewal goes). */
  enrollmentUrl: string;
  /** A renewal answer carries the certificates only: the DM account and its schedule are in place. */
  renewal?: boolean;
}

function parm(parent: XMLBuilder, name: string, value?: string, datatype?: string): void {
  const p = parent.ele('parm').att('name', name);
  if (value !== undefined) p.att('value', value);
  if (datatype !== undefined) p.att('datatype', datatype);
}

function characteristic(parent: XMLBuilder, type: string): XMLBuilder {
  return parent.ele('characteristic').att('type', type);
}

function encoded(cert: X509Certificate): string {
  return cert.raw.toString('base64');
}

/**
 * The `wap-provisioningdoc` of an enrollment answer ([MS-MDE2] 3.6): the CA into
 * CertificateStore/Root/System, the client certificate (with its PrivateKeyContainer) into
 * My/User or My/System, ROBO renewal settings under My/WSTEP/Renew, the DM account (APPLICATION
 * `w7`) pointing at the device endpoint, and the DMClient poll schedule. Thumbprints are SHA-1,
 * as the CertificateStore CSP names certificates.
 */
export function provisioningDocument(input: ProvisioningInput): string {
  const { settings } = input;
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele('wap-provisioningdoc').att('version', '1.1');
  const store = characteristic(root, 'CertificateStore');
  const trusted = characteristic(characteristic(characteristic(store, 'Root'), 'System'), input.caCertificate.fingerprint.replaceAll(':', ''));
  parm(trusted, 'EncodedCertificate', encoded(input.caCertificate));
  const my = characteristic(store, 'My');
  const scope = characteristic(my, input.enrollmentType === 'Device' ? 'System' : 'User');
  const client = characteristic(scope, input.clientCertificate.fingerprint.replaceAll(':', ''));
  parm(client, 'EncodedCertificate', encoded(input.clientCertificate));
  characteristic(scope, 'PrivateKeyContainer');
  const renew = characteristic(characteristic(my, 'WSTEP'), 'Renew');
  parm(renew, 'ServerURL', input.enrollmentUrl, 'string');
  parm(renew, 'RenewPeriod', String(settings.renewPeriodDays), 'integer');
  parm(renew, 'RetryInterval', String(settings.renewRetryIntervalDays), 'integer');
  parm(renew, 'ROBOSupport', 'true', 'boolean');
  if (input.renewal) return doc.end({ prettyPrint: false });

  const app = characteristic(root, 'APPLICATION');
  parm(app, 'APPID', 'w7');
  parm(app, 'PROVIDER-ID', settings.providerId);
  parm(app, 'NAME', settings.serviceName);
  parm(app, 'ADDR', input.mdmUrl);
  parm(app, 'CONNRETRYFREQ', '6');
  parm(app, 'INITIALBACKOFFTIME', '30000');
  parm(app, 'MAXBACKOFFTIME', '120000');
  parm(app, 'BACKCOMPATRETRYDISABLED');
  parm(app, 'DEFAULTENCODING', 'application/vnd.syncml.dm+xml');
  // How the DM client picks its TLS client certificate: by the subject winmdm issued.
  const stores = input.enrollmentType === 'Device' ? 'MY%5CSystem' : 'MY%5CUser';
  parm(app, 'SSLCLIENTCERTSEARCHCRITERIA', `Subject=CN%3D${encodeURIComponent(input.deviceId)}&Stores=${stores}`);
  // OMA-DM application-level authentication is not used (the TLS client certificate is the
  // identity), but the w7 account expects both entries.
  for (const [level, extra] of [['CLIENT', []], ['APPSRV', [['AAUTHNAME', 'winmdm']]]] as const) {
    const auth = characteristic(app, 'APPAUTH');
    parm(auth, 'AAUTHLEVEL', level);
    parm(auth, 'AAUTHTYPE', 'DIGEST');
    for (const [name, value] of extra) parm(auth, name, value);
    parm(auth, 'AAUTHSECRET', 'unused');
    parm(auth, 'AAUTHDATA', 'bm9uY2U=');
  }

  const provider = characteristic(characteristic(characteristic(root, 'DMClient'), 'Provider'), settings.providerId);
  const poll = characteristic(provider, 'Poll');
  const p = settings.poll;
  parm(poll, 'IntervalForFirstSetOfRetries', String(p.firstIntervalMinutes), 'integer');
  parm(poll, 'NumberOfFirstRetries', String(p.firstRetries), 'integer');
  parm(poll, 'IntervalForSecondSetOfRetries', String(p.secondIntervalMinutes), 'integer');
  parm(poll, 'NumberOfSecondRetries', String(p.secondRetries), 'integer');
  parm(poll, 'IntervalForRemainingScheduledRetries', String(p.steadyIntervalMinutes), 'integer');
  // 0: the steady interval repeats for as long as the device is enrolled.
  parm(poll, 'NumberOfRemainingScheduledRetries', '0', 'integer');
  parm(poll, 'PollOnLogin', 'true', 'boolean');
  return doc.end({ prettyPrint: false });
}
