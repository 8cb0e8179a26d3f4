import { readFileSync } from 'node:fs';

/** The real Windows 10 enrollment exchange (fixtures/enrollment/win10-realdevice-enrollment-transcript.txt). */
export const transcript = readFileSync(new URL('../../../../fixtures/enrollment/win10-realdevice-enrollment-transcript.txt', import.meta.url), 'utf8');

/** The request bodies of the transcript, in order: Discover, GetPolicies, RequestSecurityToken. */
export function transcriptRequests(): { discover: string; getPolicies: string; requestSecurityToken: string } {
  const bodies = [...transcript.matchAll(/-+ Input Body -+\s*([\s\S]*?<\/s:Envelope>)/g)].map((m) => (m[1] as string).trim());
  const [discover, getPolicies, requestSecurityToken] = bodies;
  if (!discover || !getPolicies || !requestSecurityToken) throw new Error('the transcript lost a request body');
  return { discover, getPolicies, requestSecurityToken };
}

/** The transcript's real PKCS#10 request (DER), as the Windows device sent it. */
export function transcriptCsr(): Buffer {
  const match = /ValueType="[^"]*#PKCS10"[^>]*>([^<]+)</.exec(transcript);
  if (!match?.[1]) throw new Error('no PKCS#10 in the transcript');
  return Buffer.from(match[1], 'base64');
}
