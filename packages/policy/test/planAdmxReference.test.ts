import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { normalizeOmaUri, planCommands, type AdmxFile, type ResolutionResult } from '@winmdm/policy';
import type { Item } from '@winmdm/syncml';

const dir = new URL('../../../fixtures/admx/', import.meta.url);
const admxNames = readdirSync(dir).filter((name) => name.endsWith('.admx')).sort();

function ingest(file: AdmxFile) {
  const resolution: ResolutionResult = {
    deviceWinPolicy: { admxConfigs: [{ winAdmxConfigId: file.id }] },
    winPolicyAssignmentsEnforced: [],
    provenance: [],
    conflicts: [],
    issues: [],
    complete: true,
  };
  return planCommands(resolution, { nodes: new Map() }, { maxMsgSize: 524_288, admxFiles: [file] });
}

describe('the reference ADMX files', () => {
  test('are all there', () => {
    expect(admxNames).toEqual(['admx-contoso-sample-learn.admx', 'admx-mozilla.admx', 'firefox-cookies-sample.admx']);
  });

  test.each(admxNames)('%s parses and is ingested with one Add of its whole text', (name) => {
    const content = readFileSync(new URL(name, dir), 'utf8');
    const p = ingest({ id: 'File01', appName: 'App', settingType: 'Policy', fileName: name, content });
    expect(p.issues).toEqual([]);
    const install = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/App/Policy/File01';
    expect(p.messages.flat().map((c) => c.command)).toEqual([
      { kind: 'Add', cmdId: 1, items: [{ target: { locURI: install }, meta: { format: 'chr', type: 'text/plain' }, data: content }] },
    ]);
  });

  test("the ingestion matches Learn's ADMXInstall example: same node, Format chr, Type text/plain, the file as Data", () => {
    const learn = readFileSync(new URL('admxinstall-contoso-add-learn.xml', dir), 'utf8');
    const locUri = /<LocURI>([^<]+)<\/LocURI>/.exec(learn)?.[1] as string;
    const content = readFileSync(new URL('admx-contoso-sample-learn.admx', dir), 'utf8');
    const p = ingest({ id: 'AppAdmxFile01', appName: 'ContosoCompanyApp', settingType: 'Policy', fileName: 'contoso.admx', content });
    const item = (p.messages[0]?.[0]?.command as { items: Item[] }).items[0];
    expect(item?.target?.locURI).toBe(normalizeOmaUri(locUri));
    expect(learn).toContain('<Format>chr</Format>');
    expect(learn).toContain('<Type>text/plain</Type>');
    expect(item?.meta).toEqual({ format: 'chr', type: 'text/plain' });
    // Learn's listing re-indents the file; line by line, it is the same text.
    const cdata = /<!\[CDATA\[([\s\S]*?)\]\]>/.exec(learn)?.[1] as string;
    const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    expect(lines(cdata)).toEqual(lines(item?.data ?? ''));
  });
});
