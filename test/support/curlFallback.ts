/**
 * Stands in for `curl` where a machine has none, for the README tour test: the subset of curl the
 * README's commands use (`-s`, `--cacert <file>`, `-X <method>`, `-H 'name: value'`, `-d <body>`,
 * one URL), sending exactly the request curl would and printing the body. Any other option fails
 * loudly, so the README cannot grow a curl command this does not understand.
 */
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';

const args = process.argv.slice(2);
let method: string | undefined;
let body: string | undefined;
let ca: string | undefined;
let url: string | undefined;
const headers: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  const value = (): string => {
    const next = args[++i];
    if (next === undefined) throw new Error(`curl fallback: ${arg} needs a value`);
    return next;
  };
  if (arg === '-s') continue;
  else if (arg === '--cacert') ca = readFileSync(value(), 'utf8');
  else if (arg === '-X') method = value();
  else if (arg === '-H') {
    const header = value();
    const colon = header.indexOf(':');
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  } else if (arg === '-d') body = value();
  else if (arg.startsWith('-')) throw new Error(`curl fallback: unsupported option ${arg}`);
  else url = arg;
}
if (url === undefined) throw new Error('curl fallback: no URL');
// curl -d defaults to POST and to a form content type.
if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
const dispatcher = new Agent(ca === undefined ? {} : { connect: { ca } });
const response = await fetch(url, { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }), dispatcher });
process.stdout.write(await response.text());
await dispatcher.close();
