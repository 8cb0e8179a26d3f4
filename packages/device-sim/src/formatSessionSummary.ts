import type { ReceivedCommand, ReceivedMessage, SentMessage, SentStatus, SessionSummary } from './SessionSummary.js';

/** Longest Data shown for one command; a policy payload can be kilobytes of XML. */
const MAX_DATA = 60;

function shown(data: string): string {
  const flat = data.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DATA ? `${flat.slice(0, MAX_DATA - 3)}...` : flat;
}

function commandLine(c: ReceivedCommand): string {
  let line = `    ${c.kind} (CmdID ${c.cmdId})`;
  if (c.locUri !== undefined) line += ` ${c.locUri}`;
  if (c.data !== undefined && c.data !== '') line += c.kind === 'Alert' ? ` ${c.data}` : ` = ${shown(c.data)}`;
  return line;
}

function statusLine(s: SentStatus): string {
  const what = s.cmdRef === 0 ? s.cmd : `${s.cmd} (CmdID ${s.cmdRef})`;
  return `    ${s.code} ${what}${s.locUri === undefined ? '' : ` ${s.locUri}`}`;
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function sentLines(m: SentMessage): string[] {
  const parts = [plural(m.statuses.length, 'status', 'statuses'), plural(m.results, 'result')];
  if (m.alerts.length > 0) {
    parts.push(`alerts ${m.alerts.map((a) => (a.type === undefined ? String(a.code) : `${a.code} ${a.type}`)).join(', ')}`);
  }
  const lines = [`  device message ${m.msgId}${m.final ? '' : ' (more follows)'}: ${parts.join(', ')}`];
  for (const s of m.statuses) lines.push(statusLine(s));
  return lines;
}

function receivedLines(m: ReceivedMessage): string[] {
  if (m.commands.length === 0) return [`  server message ${m.msgId}: no commands`];
  return [`  server message ${m.msgId}: ${plural(m.commands.length, 'command')}`, ...m.commands.map(commandLine)];
}

/**
 * Formats a session summary as readable text for `winmdm simulate`: a headline, the commands
 * received by kind, then the messages in the order they were exchanged (device, server, device,
 * ...), one line per command received and per status sent. Long Data is cut at 60 characters.
 *
 * @example
 * ```ts
 * console.log(formatSessionSummary(await device.runSession()));
 * // Session 1: 2 device messages, ended server-done
 * // Commands received: Get 1, Replace 2
 * //   device message 1: 0 statuses, 0 results, alerts 1201, 1224 com.microsoft/MDM/LoginStatus
 * //   server message 1: 3 commands
 * //     Replace (CmdID 3) ./Vendor/MSFT/Policy/Config/Browser/AllowCookies = 2
 * //   ...
 * ```
 */
export function formatSessionSummary(summary: SessionSummary): string {
  const kinds = Object.entries(summary.commandsReceived)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([kind, n]) => `${kind} ${n}`);
  const lines = [
    `Session ${summary.sessionId}: ${plural(summary.messages, 'device message')}, ended ${summary.ended}`,
    `Commands received: ${kinds.length === 0 ? 'none' : kinds.join(', ')}`,
  ];
  const rounds = Math.max(summary.sent.length, summary.received.length);
  for (let i = 0; i < rounds; i++) {
    const sent = summary.sent[i];
    const received = summary.received[i];
    if (sent !== undefined) lines.push(...sentLines(sent));
    if (received !== undefined) lines.push(...receivedLines(received));
  }
  return lines.join('\n');
}
