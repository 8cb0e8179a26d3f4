/** Reads the real protocol data in `fixtures/syncml/` (see fixtures/README.md for sources). */
import { readFileSync } from 'node:fs';
import { parseMessage, type Command, type SyncMLMessage } from '@winmdm/syncml';

const DIR = new URL('../../../fixtures/syncml/', import.meta.url);

/** The text of one fixture file. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

/** A whole-message fixture, parsed. */
export function fixtureMessage(name: string): SyncMLMessage {
  return parseMessage(fixture(name));
}

/** The single command of a published fragment (an `<Alert>...</Alert>`), parsed inside a minimal envelope. */
export function fixtureCommand(name: string): Command {
  const xml =
    '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>' +
    '<MsgID>1</MsgID><Target><LocURI>https://mdm.example.com</LocURI></Target><Source><LocURI>DEVICE</LocURI></Source></SyncHdr>' +
    `<SyncBody>${fixture(name)}<Final/></SyncBody></SyncML>`;
  const [command] = parseMessage(xml).body;
  if (command === undefined) throw new Error(`${name} holds no command`);
  return command;
}
