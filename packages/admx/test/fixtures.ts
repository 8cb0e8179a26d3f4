/** Test helpers: reading fixtures/admx and pulling the items out of the reference SyncML files. */
import { readdirSync, readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';

const dir = new URL('../../../fixtures/admx/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

export function fixtureNames(pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort();
}

/** One `<Item>` of a SyncML command: the command name, its target LocURI and its Data text. */
export interface SyncMLItem {
  command: string;
  locUri: string;
  data?: string;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
});

function childNodes(node: Node, name: string): Node[] {
  const children = node[name];
  return Array.isArray(children) ? (children as Node[]) : [];
}

/** The text content of an element: its text (entities decoded by the parser) and CDATA, in order. */
function textOf(nodes: Node[]): string {
  let text = '';
  for (const node of nodes) {
    if (typeof node['#text'] === 'string') text += node['#text'];
    else if (Array.isArray(node['#cdata'])) text += textOf(node['#cdata'] as Node[]);
  }
  return text;
}

function find(nodes: Node[], name: string): Node | undefined {
  return nodes.find((n) => name in n);
}

/** Every Item of every command of a SyncML document, in order. */
export function syncMLItems(xml: string): SyncMLItem[] {
  const doc = parser.parse(xml) as Node[];
  const syncML = find(doc, 'SyncML');
  const body = syncML === undefined ? undefined : find(childNodes(syncML, 'SyncML'), 'SyncBody');
  if (body === undefined) throw new Error('not a SyncML document');
  const items: SyncMLItem[] = [];
  for (const command of childNodes(body, 'SyncBody')) {
    const commandName = Object.keys(command).find((k) => k !== ':@' && !k.startsWith('#'));
    if (commandName === undefined || commandName === 'Final') continue;
    for (const item of childNodes(command, commandName).filter((n) => 'Item' in n)) {
      const parts = childNodes(item, 'Item');
      const target = find(parts, 'Target');
      const locUriNode = target === undefined ? undefined : find(childNodes(target, 'Target'), 'LocURI');
      const dataNode = find(parts, 'Data');
      items.push({
        command: commandName,
        locUri: locUriNode === undefined ? '' : textOf(childNodes(locUriNode, 'LocURI')).trim(),
        ...(dataNode === undefined ? {} : { data: textOf(childNodes(dataNode, 'Data')) }),
      });
    }
  }
  return items;
}
