import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { enrollWindowsDevice, windowsCertificateRequest } from '@winmdm/device-sim';
import type { EnrollmentAuthenticator } from '../../packages/server/src/enrollment/EnrollmentAuthenticator.js';
import { transcriptCsr, transcriptRequests } from '../../packages/server/test/enrollment/transcript.js';
import { SqliteStore, startWinmdmServer } from '@winmdm/server';
import { startFleet, testLogger, type Fleet } from '../support/fleet.js';

/**
 * The enrollment services at the protocol level: the real Windows 10 transcript replayed, every
 * hostile request of the issue, rate limiting, and the Federated authenticator interface.
 */
let fleet: Fleet;
let ca: string;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, parseTagValue: false });

interface SoapAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  tree: Record<string, unknown>;
  subcode: string | undefined;
  reason: string | undefined;
}

function dig(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), tree);
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim();
  const t = dig(node, '#text');
  return typeof t === 'string' ? t.trim() : undefined;
}

async function post(target: Fleet, path: string, body: string | Buffer, options: { localAddress?: string; contentType?: string } = {}): Promise<SoapAnswer> {
  const dispatcher = new Agent({ connect: { ca: target.server.ca!.certPem }, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  try {
    const response = await request(`${target.server.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/soap+xml; charset=utf-8', 'user-agent': 'ENROLLClient' },
      body,
      dispatcher,
    });
    const text = await response.body.text();
    const tree = (text.startsWith('<') ? parser.parse(text) : {}) as Record<string, unknown>;
    return {
      status: response.statusCode,
      headers: response.headers,
      body: text,
      tree,
      subcode: textOf(dig(tree, 'Envelope.Body.Fault.Code.Subcode.Value')),
      reason: textOf(dig(tree, 'Envelope.Body.Fault.Reason.Text')),
    };
  } finally {
    await dispatcher.close();
  }
}

async function newToken(body: Record<string, unknown> = {}): Promise<string> {
  const answer = await fleet.api('POST', '/mdm/windows/enrollment-tokens', body);
  return (answer.json['data'] as { token: string }).token;
}

/** The transcript's request with our credentials instead of the demo server's. */
function withCredentials(xml: string, token: string, email = 'demo@pocmdmserver.com'): string {
  return xml.replace('<wsse:Username>demo@pocmdmserver.com</wsse:Username>', `<wsse:Username>${email}</wsse:Username>`).replace(/(#PasswordText">)demo(<\/wsse:Password>)/, `$1${token}$2`);
}

function newMessageId(xml: string, id: string): string {
  return xml.replace(/<a:MessageID>[^<]*<\/a:MessageID>/, `<a:MessageID>urn:uuid:${id}</a:MessageID>`);
}

function expectSoapHeaders(answer: SoapAnswer): void {
  expect(answer.headers['content-type']).toBe('application/soap+xml; charset=utf-8');
  expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
  expect(answer.headers['transfer-encoding']).toBeUndefined();
}

async function deviceCount(): Promise<number> {
  return fleet.store.transaction(async (tx) => (await tx.listDevices('org-contoso')).length + (await tx.listDevices('org-fabrikam')).length);
}

const requests = transcriptRequests();

beforeAll(async () => {
  fleet = await startFleet({ enrollment: { settings: { certificateValidityDays: 200, renewPeriodDays: 30 } } });
  ca = fleet.server.ca!.certPem;
});
afterAll(async () => {
  await fleet.close();
});

describe('the real Windows 10 transcript, replayed', () => {
  test('GET Discovery.svc answers 200 with an empty body', async () => {
    const dispatcher = new Agent({ connect: { ca } });
    try {
      const response = await request(`${fleet.server.origin}/EnrollmentServer/Discovery.svc`, { dispatcher });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-length']).toBe('0');
      expect(await response.body.text()).toBe('');
    } finally {
      await dispatcher.close();
    }
  });

  test('Discover: OnPremise, EnrollmentVersion, both service URLs on one host, RelatesTo the MessageID', async () => {
    const answer = await post(fleet, '/EnrollmentServer/Discovery.svc', requests.discover);
    expect(answer.status).toBe(200);
    expectSoapHeaders(answer);
    expect(textOf(dig(answer.tree, 'Envelope.Header.Action'))).toBe(
      'http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse',
    );
    expect(textOf(dig(answer.tree, 'Envelope.Header.RelatesTo'))).toBe('urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478');
    const result = dig(answer.tree, 'Envelope.Body.DiscoverResponse.DiscoverResult');
    expect(textOf(dig(result, 'AuthPolicy'))).toBe('OnPremise');
    expect(textOf(dig(result, 'EnrollmentVersion'))).toBe('4.0');
    expect(textOf(dig(result, 'EnrollmentPolicyServiceUrl'))).toBe(`${fleet.server.origin}/EnrollmentServer/Policy.svc`);
    expect(textOf(dig(result, 'EnrollmentServiceUrl'))).toBe(`${fleet.server.origin}/EnrollmentServer/Enrollment.svc`);
  });

  test('Discover accepts every RequestVersion from 4.0 up, and refuses older ones', async () => {
    for (const version of ['4.0', '5.0', '6.0', '15.2']) {
      const answer = await post(fleet, '/EnrollmentServer/Discovery.svc', requests.discover.replace('<RequestVersion>4.0<', `<RequestVersion>${version}<`));
      expect(answer.status, version).toBe(200);
    }
    const old = await post(fleet, '/EnrollmentServer/Discovery.svc', requests.discover.replace('<RequestVersion>4.0<', '<RequestVersion>3.0<'));
    expect(old).toMatchObject({ status: 400, subcode: 's:MessageFormat', reason: 'RequestVersion "3.0" is not supported; 4.0 or later is' });
  });

  test('GetPolicies: RSA of at least 2048 bits, SHA-256, validity and renewal from the configuration', async () => {
    const answer = await post(fleet, '/EnrollmentServer/Policy.svc', withCredentials(requests.getPolicies, await newToken()));
    expect(answer.status).toBe(200);
    expectSoapHeaders(answer);
    expect(textOf(dig(answer.tree, 'Envelope.Header.RelatesTo'))).toBe('urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0');
    const attributes = dig(answer.tree, 'Envelope.Body.GetPoliciesResponse.response.policies.policy.attributes');
    expect(textOf(dig(attributes, 'policySchema'))).toBe('3');
    expect(textOf(dig(attributes, 'privateKeyAttributes.minimalKeyLength'))).toBe('2048');
    expect(textOf(dig(attributes, 'certificateValidity.validityPeriodSeconds'))).toBe(String(200 * 86_400));
    expect(textOf(dig(attributes, 'certificateValidity.renewalPeriodSeconds'))).toBe(String(30 * 86_400));
    const oids = dig(answer.tree, 'Envelope.Body.GetPoliciesResponse.oIDs.oID') as Record<string, unknown>[];
    const hash = oids.find((o) => textOf(o['oIDReferenceID']) === textOf(dig(attributes, 'hashAlgorithmOIDReference')));
    expect(textOf(hash?.['value'])).toBe('2.16.840.1.101.3.4.2.1');
    const key = oids.find((o) => textOf(o['oIDReferenceID']) === textOf(dig(attributes, 'privateKeyAttributes.algorithmOIDReference')));
    expect(textOf(key?.['value'])).toBe('1.2.840.113549.1.1.1');
  });

  test("RequestSecurityToken: the real CSR's key in the issued certificate, the device recorded from AdditionalContext", async () => {
    const answer = await post(fleet, '/EnrollmentServer/Enrollment.svc', withCredentials(requests.requestSecurityToken, await newToken()));
    expect(answer.status).toBe(200);
    expectSoapHeaders(answer);
    expect(textOf(dig(answer.tree, 'Envelope.Header.Action'))).toBe('http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep');
    expect(textOf(dig(answer.tree, 'Envelope.Header.RelatesTo'))).toBe('urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749');
    expect(textOf(dig(answer.tree, 'Envelope.Header.Security.Timestamp.Created'))).toMatch(/^\d{4}-\d\d-\d\dT/);
    const response = dig(answer.tree, 'Envelope.Body.RequestSecurityTokenResponseCollection.RequestSecurityTokenResponse');
    expect(textOf(dig(response, 'TokenType'))).toBe('http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken');
    const token = dig(response, 'RequestedSecurityToken.BinarySecurityToken') as Record<string, string>;
    expect(token['@ValueType']).toBe('http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc');
    const doc = Buffer.from(textOf(token) ?? '', 'base64').toString('utf8');
    const match = /<characteristic type="User"><characteristic type="([0-9A-F]{40})"><parm name="EncodedCertificate" value="([^"]+)"/.exec(doc);
    const cert = new X509Certificate(Buffer.from(match?.[2] ?? '', 'base64'));
    expect(cert.fingerprint.replaceAll(':', '')).toBe(match?.[1]);
    const spki = (k: ReturnType<typeof createPublicKey>): string => k.export({ type: 'spki', format: 'der' }).toString('hex');
    const { AsnConvert } = await import('@peculiar/asn1-schema');
    const { CertificationRequest } = await import('@peculiar/asn1-csr');
    const csrSpki = Buffer.from(AsnConvert.serialize(AsnConvert.parse(transcriptCsr(), CertificationRequest).certificationRequestInfo.subjectPKInfo));
    expect(spki(cert.publicKey)).toBe(spki(createPublicKey({ key: csrSpki, format: 'der', type: 'spki' })));
    expect(cert.subject).toBe('CN=1E08C6E95D8BB843B1278FF45BC60CC6');
    expect(doc).toContain('SSLCLIENTCERTSEARCHCRITERIA" value="Subject=CN%3D1E08C6E95D8BB843B1278FF45BC60CC6&amp;Stores=MY%5CUser"');

    const row = await fleet.store.transaction((tx) => tx.getDeviceByWinId('1E08C6E95D8BB843B1278FF45BC60CC6'));
    expect(row?.organizationId).toBe('org-contoso');
    expect(row?.doc).toMatchObject({ displayName: 'DESKTOP-28FGAI6', summary: { name: 'DESKTOP-28FGAI6', osVersion: '10.0.19043.2364' }, state: 'ACTIVE' });
    const enrollment = row?.doc['enrollment'] as { hwDevId: string; context: Record<string, string[]> };
    expect(enrollment.hwDevId).toBe('3B3ED6D0EA88CBFCF37D36F90F22FE61172348C0162FC3840D6703149870CE76');
    // A multimap: the six MACs in order, the repeated one twice.
    expect(enrollment.context['MAC']).toEqual(['00-0C-29-51-60-9D', '1A-77-20-52-41-53', '1A-77-20-52-41-53', '00-0C-29-51-60-A7', '18-14-20-52-41-53', '00-0C-29-51-60-93']);
    const registered = await fleet.store.transaction((tx) => tx.findDeviceIdByThumbprint(cert.fingerprint.replaceAll(':', '')));
    expect(registered).toBe(row?.id);
  });

  test('namespaces are read by URI: the same request with other prefixes enrolls as well', async () => {
    const renamed = withCredentials(requests.requestSecurityToken, await newToken())
      .replace(/(<\/?| )s:/g, '$1env:')
      .replace('xmlns:s=', 'xmlns:env=')
      .replace(/(<\/?| )wsse:/g, '$1o:')
      .replace('xmlns:wsse=', 'xmlns:o=')
      .replace('1E08C6E95D8BB843B1278FF45BC60CC6</ac:Value>', 'PREFIXES0000000000000000000000AA</ac:Value>')
      .replace('3B3ED6D0EA88CBFCF37D36F90F22FE61172348C0162FC3840D6703149870CE76', 'PREFIXESHWDEVID');
    expect(renamed).toContain('<env:Envelope');
    expect(renamed).toContain('<o:BinarySecurityToken');
    const answer = await post(fleet, '/EnrollmentServer/Enrollment.svc', newMessageId(renamed, 'a0000000-0000-4000-8000-000000000001'));
    expect(answer.status).toBe(200);
    expect(await fleet.store.transaction((tx) => tx.getDeviceByWinId('PREFIXES0000000000000000000000AA'))).toBeDefined();
  });
});

describe('hostile requests: a clear fault, no device created, the server keeps serving', () => {
  const rst = (): Promise<string> => newToken({ maxUses: 100 }).then((t) => withCredentials(requests.requestSecurityToken, t));
  let n = 0;
  const fresh = (xml: string): string => newMessageId(xml, `b0000000-0000-4000-8000-${String(++n).padStart(12, '0')}`);
  const withDeviceId = (xml: string, id: string): string =>
    xml.replace('1E08C6E95D8BB843B1278FF45BC60CC6</ac:Value>', `${id}</ac:Value>`).replace(/3B3ED6D0EA88CBFCF37D36F90F22FE61172348C0162FC3840D6703149870CE76/, `HW-${id}`);
  const csrOf = (der: Buffer) => (xml: string): string => xml.replace(/(#PKCS10"[^>]*>)[^<]+/, `$1${der.toString('base64')}`);

  const cases: [string, () => Promise<{ body: string | Buffer; path?: string }>, { status: number; subcode: string; reason: RegExp | string }][] = [
    ['malformed SOAP', async () => ({ body: '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>' }), { status: 400, subcode: 's:MessageFormat', reason: /not well-formed XML/ }],
    ['not SOAP at all', async () => ({ body: 'hello' }), { status: 400, subcode: 's:MessageFormat', reason: /not well-formed XML/ }],
    ['another root element', async () => ({ body: '<Envelope xmlns="urn:x"/>' }), { status: 400, subcode: 's:MessageFormat', reason: 'the request is not a SOAP 1.2 envelope' }],
    [
      'a DTD (entity expansion)',
      async () => ({ body: `<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${(await rst()).replace('<wst:TokenType>', '<wst:TokenType>&lol2;')}` }),
      { status: 400, subcode: 's:MessageFormat', reason: 'DTDs and entity declarations are not accepted' },
    ],
    [
      'the wrong Action',
      async () => ({ body: fresh((await rst()).replace('enrollment/RST/wstep', 'enrollment/RST/other')) }),
      { status: 400, subcode: 's:MessageFormat', reason: 'unexpected action http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RST/other for the enrollment service' },
    ],
    [
      'a Discover sent to the enrollment service',
      async () => ({ body: requests.discover }),
      { status: 400, subcode: 's:MessageFormat', reason: /unexpected action .*IDiscoveryService\/Discover for the enrollment service/ },
    ],
    [
      'no Security header',
      async () => ({ body: fresh((await rst()).replace(/<wsse:Security[\s\S]*<\/wsse:Security>/, '')) }),
      { status: 400, subcode: 'a:InvalidSecurity', reason: 'the request has no WS-Security header' },
    ],
    [
      'a 1024-bit key',
      async () => ({ body: fresh(csrOf(windowsCertificateRequest({ ...generateKeyPairSync('rsa', { modulusLength: 1024 }), deviceId: 'SMALLKEY' }))(withDeviceId(await rst(), 'SMALLKEY'))) }),
      { status: 400, subcode: 's:CertificateRequest', reason: 'the RSA key has 1024 bits; at least 2048 are required' },
    ],
    [
      'a bad signature',
      async () => {
        const der = Buffer.from(transcriptCsr());
        der[der.length - 9] = (der[der.length - 9] as number) ^ 0xff;
        return { body: fresh(csrOf(der)(withDeviceId(await rst(), 'BADSIGNATURE'))) };
      },
      { status: 400, subcode: 's:CertificateRequest', reason: 'the certificate request signature does not verify' },
    ],
    [
      'a CSR that is not one',
      async () => ({ body: fresh(csrOf(Buffer.from('garbage'))(withDeviceId(await rst(), 'GARBAGECSR'))) }),
      { status: 400, subcode: 's:CertificateRequest', reason: /^the certificate request is not PKCS#10/ },
    ],
    [
      'a 2 MB body',
      async () => ({ body: Buffer.concat([Buffer.from(await rst()), Buffer.alloc(2 * 1024 * 1024, 0x20)]) }),
      { status: 413, subcode: 's:MessageFormat', reason: 'the request is larger than 262144 bytes' },
    ],
    [
      'a DeviceID that could break the certificate subject',
      async () => ({ body: fresh(withDeviceId(await rst(), 'A,CN=evil')) }),
      { status: 400, subcode: 's:CertificateRequest', reason: /the AdditionalContext needs a DeviceID/ },
    ],
  ];

  for (const [name, build, expected] of cases) {
    test(name, async () => {
      const before = await deviceCount();
      const { body, path } = await build();
      const answer = await post(fleet, path ?? '/EnrollmentServer/Enrollment.svc', body);
      expect({ status: answer.status, subcode: answer.subcode }).toEqual({ status: expected.status, subcode: expected.subcode });
      if (typeof expected.reason === 'string') expect(answer.reason).toBe(expected.reason);
      else expect(answer.reason).toMatch(expected.reason);
      expect(textOf(dig(answer.tree, 'Envelope.Body.Fault.Code.Value'))).toBe('s:Sender');
      expectSoapHeaders(answer);
      expect(await deviceCount()).toBe(before);
      // Still serving.
      expect((await post(fleet, '/EnrollmentServer/Discovery.svc', requests.discover)).status).toBe(200);
    });
  }

  test("a fault's reason quotes the request at most 300 characters far, however much it quotes", async () => {
    const unclosed = await post(fleet, '/EnrollmentServer/Discovery.svc', '<a>'.repeat(30_000));
    const action = await post(fleet, '/EnrollmentServer/Discovery.svc', requests.discover.replace(/(<a:Action[^>]*>)[^<]*/, `$1${'x'.repeat(200_000)}`));
    for (const answer of [unclosed, action]) {
      expect(answer).toMatchObject({ status: 400, subcode: 's:MessageFormat' });
      expect(answer.reason?.length).toBe(301);
      expect(answer.reason?.endsWith('…')).toBe(true);
      expect(answer.body.length).toBeLessThan(2000);
    }
    expect(unclosed.reason).toMatch(/^the request is not well-formed XML: /);
    expect(action.reason).toMatch(/^unexpected action x{200}/);
  });

  test('a replayed MessageID is refused, and the device exists once', async () => {
    const body = fresh(withDeviceId(await rst(), 'REPLAYED00000000000000000000000A'));
    expect((await post(fleet, '/EnrollmentServer/Enrollment.svc', body)).status).toBe(200);
    const before = await deviceCount();
    const replay = await post(fleet, '/EnrollmentServer/Enrollment.svc', body);
    expect(replay).toMatchObject({ status: 400, subcode: 'a:InvalidSecurity' });
    expect(replay.reason).toMatch(/^MessageID urn:uuid:b0000000-0000-4000-8000-\d{12} was already used \(a replayed request\)$/);
    expect(await deviceCount()).toBe(before);
  });

  test('a wrong token: a:InvalidSecurity, nothing created, nothing consumed, nothing signed', async () => {
    const before = await deviceCount();
    const signing = vi.spyOn(fleet.server.ca!, 'signClientCertificate');
    try {
      const answer = await post(fleet, '/EnrollmentServer/Enrollment.svc', fresh(withDeviceId(withCredentials(requests.requestSecurityToken, 'wmet_wrong'), 'WRONGTOKEN')));
      expect(answer).toMatchObject({ status: 400, subcode: 'a:InvalidSecurity', reason: 'unknown enrollment token' });
      expect(signing).not.toHaveBeenCalled();
    } finally {
      signing.mockRestore();
    }
    expect(await deviceCount()).toBe(before);
  });

  test("a device enrolled by one organization is refused with another organization's token", async () => {
    const fabrikam = await fleet.api('POST', '/mdm/windows/enrollment-tokens', {}, 'demo-fabrikam-admin-token');
    const token = (fabrikam.json['data'] as { token: string }).token;
    const answer = await post(fleet, '/EnrollmentServer/Enrollment.svc', fresh(withCredentials(requests.requestSecurityToken, token)));
    expect(answer).toMatchObject({ status: 400, subcode: 'a:InvalidSecurity', reason: "the enrollment token is another organization's than the device's" });
    const row = await fleet.store.transaction((tx) => tx.getDeviceByWinId('1E08C6E95D8BB843B1278FF45BC60CC6'));
    expect(row?.organizationId).toBe('org-contoso');
  });
});

describe('rate limiting per source address', () => {
  test('past the burst an address gets 429 with Retry-After; another address is still served', async () => {
    const limited = await startFleet({ enrollment: { settings: { rateLimitBurst: 3, rateLimitPerMinute: 1 } } });
    try {
      const body = requests.getPolicies; // refused (unknown token) but counted all the same
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await post(limited, '/EnrollmentServer/Policy.svc', newMessageId(body, `c0000000-0000-4000-8000-00000000000${i}`), { localAddress: '127.0.0.1' }));
      expect(first.map((a) => a.subcode)).toEqual(['a:InvalidSecurity', 'a:InvalidSecurity', 'a:InvalidSecurity']);
      const fourth = await post(limited, '/EnrollmentServer/Policy.svc', body, { localAddress: '127.0.0.1' });
      expect(fourth).toMatchObject({ status: 429, subcode: 's:EnrollmentServer' });
      expect(fourth.reason).toMatch(/^too many enrollment attempts from this address; retry in \d+ s$/);
      expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
      const other = await post(limited, '/EnrollmentServer/Policy.svc', newMessageId(body, 'c0000000-0000-4000-8000-000000000009'), { localAddress: '127.0.0.2' });
      expect(other.subcode).toBe('a:InvalidSecurity');
      // Discovery is not an attempt: still answered.
      expect((await post(limited, '/EnrollmentServer/Discovery.svc', requests.discover, { localAddress: '127.0.0.1' })).status).toBe(200);
      expect(await limited.server.metrics.registry.metrics()).toMatch(/winmdm_enrollments_total\{outcome="enrollment_rate_limited"\} 1/);
    } finally {
      await limited.close();
    }
  });
});

describe('Federated, behind the authenticator interface', () => {
  test('discovery offers Federated with the authentication page, and its token enrolls', async () => {
    const federated: EnrollmentAuthenticator = {
      policy: 'Federated',
      authenticationServiceUrl: 'https://login.example.com/enroll',
      authenticate: async (_tx, credentials) =>
        credentials.kind === 'binary' && Buffer.from(credentials.token, 'base64').toString('utf8') === 'idp-signed-token'
          ? { organizationId: 'org-fabrikam', email: 'carol@fabrikam.example', via: 'federated:login.example.com' }
          : { refused: 'not a token of login.example.com' },
    };
    const fed = await startFleet({ enrollment: { authenticators: [federated] } });
    try {
      const discovered = await post(fed, '/EnrollmentServer/Discovery.svc', requests.discover);
      const result = dig(discovered.tree, 'Envelope.Body.DiscoverResponse.DiscoverResult');
      expect(textOf(dig(result, 'AuthPolicy'))).toBe('Federated');
      expect(textOf(dig(result, 'AuthenticationServiceUrl'))).toBe('https://login.example.com/enroll');
      const device = await enrollWindowsDevice({ url: fed.server.origin, email: 'carol@fabrikam.example', token: 'idp-signed-token', credentials: 'user-token', ca: fed.server.ca!.certPem });
      const row = await fed.store.transaction((tx) => tx.getDeviceByWinId(device.deviceId));
      expect(row?.organizationId).toBe('org-fabrikam');
      expect(row?.doc['enrollment']).toMatchObject({ via: 'federated:login.example.com', email: 'carol@fabrikam.example' });
      await expect(enrollWindowsDevice({ url: fed.server.origin, email: 'x@y.z', token: 'forged', credentials: 'user-token', ca: fed.server.ca!.certPem })).rejects.toThrow(
        'GetPolicies failed (HTTP 400, a:InvalidSecurity): not a token of login.example.com',
      );
    } finally {
      await fed.close();
    }
  });
});

describe('the public URL the services are built from', () => {
  test('one that is not an absolute http(s) URL stops the server from starting (every enrollment would fail)', async () => {
    const store = SqliteStore.open(':memory:');
    try {
      for (const publicUrl of ['mdm.example.com', 'ftp://mdm.example.com/x']) {
        await expect(startWinmdmServer({ store, logger: testLogger, port: 0, tls: false, publicUrl })).rejects.toThrow(
          `the public URL must be an absolute http(s) URL, got ${publicUrl}`,
        );
      }
    } finally {
      await store.close();
    }
  });
});
