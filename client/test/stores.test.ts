import { describe, expect, it } from 'vitest';
import { bandPeakDb, meterFraction, rmsDb, SILENCE_DB } from '../src/sdk/audio/levels';
import type { AgentInfo, ChatMessage, FloorConversation } from '../src/sdk/protocol';
import { BackoffPolicy } from '../src/sdk/signal/reconnect';
import * as floor from '../src/sdk/store/floor';
import { mergeMessages, thread } from '../src/sdk/store/messages';
import { AGENT_KEY, CUSTOMER_KEY, slotKey, slotLabel, slotTableOf, speakerLabel, supervisorKey } from '../src/sdk/store/slotMap';
import { checkOfferShape, mediaDirections } from '../src/sdk/transport/offerShape';

const row = (id: string, over: Partial<FloorConversation> = {}): FloorConversation => ({
  conversation_id: id,
  channel: 'voice',
  state: 'active',
  queue: 'support',
  team: 'team-a',
  outbound: false,
  transferred: false,
  held: false,
  agent: { user_id: 'alex', name: 'Alex Agent' },
  customer: { user_id: 'carla', name: 'Carla Customer' },
  created_at: '2025-01-01T10:00:00Z',
  monitors: [],
  ...over,
});

const agent = (id: string, state: AgentInfo['state']): AgentInfo => ({ user_id: id, name: id.toUpperCase(), state, teams: ['team-a'], since: '2025-01-01T10:00:00Z' });

describe('floor store', () => {
  it('loads, upserts and removes rows without mutating earlier states', () => {
    const s0 = floor.loadFloor([row('b', { created_at: '2025-01-01T10:05:00Z' }), row('a')], [agent('bea', 'ready'), agent('alex', 'busy')]);
    const s1 = floor.upsertConversation(s0, row('c', { created_at: '2025-01-01T09:00:00Z' }));
    expect(floor.sortedConversations(s1).map((c) => c.conversation_id)).toEqual(['c', 'a', 'b']);
    expect(s0.conversations.size).toBe(2);
    const s2 = floor.removeConversation(s1, 'a');
    expect([...s2.conversations.keys()].sort()).toEqual(['b', 'c']);
    expect(floor.removeConversation(s2, 'zzz')).toBe(s2);
    const s3 = floor.upsertAgent(s2, agent('alex', 'ready'));
    expect(floor.sortedAgents(s3).map((a) => `${a.user_id}:${a.state}`)).toEqual(['alex:ready', 'bea:ready']);
    expect(floor.upsertConversation(s3, row('b', { state: 'ended' })).conversations.has('b')).toBe(false);
  });

  it('formats durations', () => {
    expect(floor.formatDuration(0)).toBe('0:00');
    expect(floor.formatDuration(65_400)).toBe('1:05');
    expect(floor.formatDuration(3_725_000)).toBe('1:02:05');
    expect(floor.formatDuration(-5)).toBe('0:00');
  });
});

describe('slot map', () => {
  it('turns the announced map into speaker keys, one per slot', () => {
    const sue = { party_id: 'p3', user_id: 'sue', name: 'Sue', role: 'supervisor' as const };
    const carla = { party_id: 'p1', user_id: 'carla', name: 'Carla', role: 'customer' as const };
    expect(slotTableOf([carla, null, sue], 3)).toEqual([CUSTOMER_KEY, null, supervisorKey('sue')]);
    expect(slotTableOf(undefined, 3)).toEqual([null, null, null]);
    expect(slotTableOf([carla, null, sue, carla], 3)).toHaveLength(3);
    expect(slotKey({ ...carla, role: 'agent' })).toBe(AGENT_KEY);
  });

  it('labels slots from the row, falling back to the announcement', () => {
    const r = row('c', {
      monitors: [
        { user_id: 'sam', name: 'Sam', mode: 'listen', since: '' },
        { user_id: 'sue', name: 'Sue', mode: 'whisper', since: '' },
      ],
    });
    expect(speakerLabel(r, CUSTOMER_KEY)).toBe('Customer · Carla Customer');
    expect(speakerLabel(r, supervisorKey('sue'))).toBe('Supervisor · Sue (Whisper)');
    expect(slotLabel(r, { party_id: 'p3', user_id: 'sue', name: 'Sue', role: 'supervisor' })).toBe('Supervisor · Sue (Whisper)');
    expect(slotLabel(r, { party_id: 'p4', user_id: 'ada', name: 'Ada', role: 'supervisor' })).toBe('Supervisor · Ada');
    expect(slotLabel({ ...r, customer: undefined }, { party_id: 'p1', user_id: 'carla', name: 'Carla', role: 'customer' })).toBe('Customer · Carla');
  });
});

describe('messages', () => {
  const msg = (id: string, seq: number, kind: 'public' | 'whisper'): ChatMessage => ({ id, conversation_id: 'c', seq, kind, from: { name: 'x', role: 'agent' }, text: id, at: '' });
  it('merges by id and orders by seq', () => {
    const m = mergeMessages([msg('b', 2, 'public')], [msg('a', 1, 'whisper'), msg('b', 2, 'public'), msg('c', 3, 'public')]);
    expect(m.map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(thread(m, 'whisper').map((x) => x.id)).toEqual(['a']);
  });
});

describe('levels', () => {
  it('measures RMS in dBFS', () => {
    const sine = Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000));
    expect(rmsDb(sine)).toBeCloseTo(-3.01, 1);
    expect(rmsDb(new Float32Array(128))).toBe(SILENCE_DB);
    expect(rmsDb([])).toBe(SILENCE_DB);
  });
  it('maps dB to a meter', () => {
    expect(meterFraction(-90)).toBe(0);
    expect(meterFraction(-30)).toBeCloseTo(0.5);
    expect(meterFraction(3)).toBe(1);
    expect(meterFraction(Number.NEGATIVE_INFINITY)).toBe(0);
  });
  it('finds the peak around a frequency', () => {
    const data = new Float32Array(4096).fill(-140);
    const bin = Math.round(880 / (48000 / 8192));
    data[bin] = -20;
    expect(bandPeakDb(data, 48000, 8192, 880)).toBe(-20);
    expect(bandPeakDb(data, 48000, 8192, 440)).toBe(SILENCE_DB);
  });
});

describe('offer shape', () => {
  const sdp = (dirs: string[]): string =>
    ['v=0', 's=-', ...dirs.flatMap((d) => ['m=audio 9 UDP/TLS/RTP/SAVPF 111', `a=${d}`, 'a=rtpmap:111 opus/48000/2'])].join('\r\n');
  it('accepts exactly one sendrecv then recvonly lines', () => {
    expect(checkOfferShape(sdp(['sendrecv', 'recvonly', 'recvonly']), 3)).toBeNull();
  });
  it('names what is wrong', () => {
    expect(checkOfferShape(sdp(['sendrecv', 'recvonly']), 3)).toMatch(/2 m-lines/);
    expect(checkOfferShape(sdp(['recvonly', 'recvonly', 'recvonly']), 3)).toMatch(/m-line 0 is recvonly/);
    expect(checkOfferShape(sdp(['sendrecv', 'sendrecv', 'recvonly']), 3)).toMatch(/m-line 1 is sendrecv/);
    expect(checkOfferShape(sdp(['sendrecv', 'recvonly', 'recvonly']).replace(/m=audio/g, 'm=video'), 3)).toMatch(/video/);
  });
  it('inherits the session-level direction', () => {
    expect(mediaDirections('v=0\na=recvonly\nm=audio 9 X 0\n')).toEqual([{ kind: 'audio', direction: 'recvonly' }]);
  });
});

describe('backoff', () => {
  it('grows, is capped, and jitters within the upper half', () => {
    const p = new BackoffPolicy(100, 1000, () => 1);
    expect([0, 1, 2, 3, 4, 10].map((a) => p.nextDelayMs(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(new BackoffPolicy(100, 1000, () => 0).nextDelayMs(0)).toBe(50);
  });
});
