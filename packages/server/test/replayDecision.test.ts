import { describe, expect, test } from 'vitest';
import { replayDecision, type ReplayInput } from '../src/device/replayDecision.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const base: ReplayInput = {
  logged: { requestSha256: 'h', response: '<r/>', status: 200, createdAt: '2026-03-02T08:59:30.000Z' },
  requestSha256: 'h',
  sessionId: '7',
  msgId: 2,
  startsSession: false,
  current: { sessionId: '7', lastMsgId: 2 },
  now: NOW,
  windowMs: 300_000,
};
const at = (isoTime: string): ReplayInput['logged'] => ({ ...base.logged!, createdAt: isoTime });

describe('replayDecision: a retry is the same message of the current session, sent again shortly after', () => {
  test.each<[string, Partial<ReplayInput>, ReturnType<typeof replayDecision>]>([
    ['the last message of the current session, 30 s later', {}, 'replay'],
    ['an earlier message of the current session, 30 s later', { msgId: 1 }, 'replay'],
    ['nothing logged', { logged: undefined }, 'process'],
    ['another body under the same numbers', { requestSha256: 'other' }, 'process'],
    ['a MsgID the current session has not reached: a leftover of an earlier session with this ID', { msgId: 3 }, 'process'],
    ['the current session, longer ago than the window', { logged: at('2026-03-02T08:54:59.000Z') }, 'expired'],
    ['an unreadable log time', { logged: at('yesterday') }, 'expired'],
    ['a logged time slightly ahead (another replica\'s clock)', { logged: at('2026-03-02T09:00:02.000Z') }, 'replay'],
    ['a session the device has left', { current: { sessionId: '8', lastMsgId: 1 } }, 'session-over'],
    ['no session at all', { current: undefined }, 'session-over'],
    ['a first message whose session has nothing later', { startsSession: true, msgId: 2 }, 'replay'],
    ['a first message after its session moved on', { startsSession: true, msgId: 1 }, 'process'],
    ['a first message of a session the device has left', { startsSession: true, current: { sessionId: '8', lastMsgId: 1 } }, 'process'],
    ['a first message older than the window', { startsSession: true, logged: at('2026-03-02T08:50:00.000Z') }, 'process'],
  ])('%s', (_what, change, expected) => {
    expect(replayDecision({ ...base, ...change })).toBe(expected);
  });
});
