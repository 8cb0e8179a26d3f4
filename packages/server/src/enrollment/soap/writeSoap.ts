import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { SoapFaultShape } from '../../ServerError.js';
import { Actions, Ns } from './namespaces.js';

export type { XMLBuilder };

/** Options of {@link soapEnvelope}. */
export interface EnvelopeOptions {
  /** A WS-Security `u:Timestamp` in the header (what WSTEP answers carry). */
  timestamp?: { created: Date; expires: Date };
}

function header(envelope: XMLBuilder, action: string, relatesTo: string | undefined): XMLBuilder {
  const h = envelope.ele(Ns.soap, 's:Header');
  h.ele(Ns.wsa, 'a:Action').att(Ns.soap, 's:mustUnderstand', '1').txt(action);
  // Diagnostics for people reading a device's logs: one id per answer, as WCF servers send.
  const activity = randomUUID();
  h.ele(Ns.diagnostics, 'ActivityId').att('CorrelationId', activity).txt(activity);
  if (relatesTo !== undefined) h.ele(Ns.wsa, 'a:RelatesTo').txt(relatesTo);
  return h;
}

function start(): { doc: XMLBuilder; envelope: XMLBuilder } {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const envelope = doc
    .ele(Ns.soap, 's:Envelope')
    .att(Ns.xmlns, 'xmlns:a', Ns.wsa)
    .att(Ns.xmlns, 'xmlns:u', Ns.wsu);
  return { doc, envelope };
}

/**
 * A SOAP 1.2 answer built with xmlbuilder2: `a:Action`, `a:RelatesTo` echoing the request's
 * MessageID, optionally a WS-Security timestamp, and the body that `body` adds to `s:Body`.
 */
export function soapEnvelope(action: string, relatesTo: string | undefined, body: (soapBody: XMLBuilder) => void, options: EnvelopeOptions = {}): string {
  const { doc, envelope } = start();
  const h = header(envelope, action, relatesTo);
  if (options.timestamp) {
    const ts = h
      .ele(Ns.wsse, 'o:Security')
      .att(Ns.soap, 's:mustUnderstand', '1')
      .ele(Ns.wsu, 'u:Timestamp')
      .att(Ns.wsu, 'u:Id', '_0');
    ts.ele(Ns.wsu, 'u:Created').txt(options.timestamp.created.toISOString());
    ts.ele(Ns.wsu, 'u:Expires').txt(options.timestamp.expires.toISOString());
  }
  body(envelope.ele(Ns.soap, 's:Body'));
  return doc.end({ prettyPrint: false });
}

/**
 * A SOAP 1.2 fault: Code `s:Sender` or `s:Receiver`, the [MS-MDE2] Subcode, and a reason for the
 * person reading the device's event log (never a secret, never a stack).
 */
export function soapFault(fault: SoapFaultShape, reason: string, relatesTo: string | undefined): string {
  const { doc, envelope } = start();
  header(envelope, Actions.fault, relatesTo);
  const f = envelope.ele(Ns.soap, 's:Body').ele(Ns.soap, 's:Fault');
  const code = f.ele(Ns.soap, 's:Code');
  code.ele(Ns.soap, 's:Value').txt(`s:${fault.code}`);
  code.ele(Ns.soap, 's:Subcode').ele(Ns.soap, 's:Value').txt(fault.subcode);
  f.ele(Ns.soap, 's:Reason').ele(Ns.soap, 's:Text').att(Ns.xml, 'xml:lang', 'en-US').txt(reason);
  return doc.end({ prettyPrint: false });
}
