import { describe, expect, it } from 'vitest';
import type { FloorConversation, HealthView } from '../src/sdk/protocol';
import * as floor from '../src/sdk/store/floor';

const health = (over: Partial<HealthView> = {}): HealthView => ({
  parties: [],
  customer_talk_s: 0,
  agent_talk_s: 0,
  silence_s: 0,
  longest_silence_s: 0,
  over_talk_s: 0,
  over_talk_count: 0,
  alerts: [],
  ...over,
});

const row = (id: string, created: string, over: Partial<FloorConversation> = {}): FloorConversation => ({
  conversation_id: id,
  channel: 'voice',
  state: 'active',
  queue: 'support',
  team: 'team-a',
  outbound: false,
  transferred: false,
  held: false,
  created_at: created,
  monitors: [],
  ...over,
});

describe('call health on the floor', () => {
  it('formats the talk ratio customer:agent', () => {
    expect(floor.talkRatio(health())).toBe('–');
    expect(floor.talkRatio(health({ customer_talk_s: 30, agent_talk_s: 90 }))).toBe('25:75');
    expect(floor.talkRatio(health({ customer_talk_s: 1, agent_talk_s: 2 }))).toBe('33:67');
  });

  it('sorts by needs attention: open help, then alerts, then silence; oldest first among equals', () => {
    const s = floor.loadFloor(
      [
        row('calm-old', '2025-01-01T10:00:00Z', { health: health() }),
        row('silent', '2025-01-01T10:01:00Z', { health: health({ silence_s: 12 }) }),
        row('alert', '2025-01-01T10:02:00Z', { health: health({ alerts: ['long_silence'], silence_s: 25 }) }),
        row('help', '2025-01-01T10:03:00Z', { help: { id: 'h', status: 'open' } }),
        row('chat', '2025-01-01T10:04:00Z', { channel: 'chat' }),
        row('calm-new', '2025-01-01T10:05:00Z', { health: health() }),
      ],
      [],
    );
    expect(floor.sortedByAttention(s).map((r) => r.conversation_id)).toEqual(['help', 'alert', 'silent', 'calm-old', 'chat', 'calm-new']);
    // The default order is untouched.
    expect(floor.sortedConversations(s)[0]?.conversation_id).toBe('calm-old');
  });
});
