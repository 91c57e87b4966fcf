// The consent list's replay rule (docs/protocol.md §11): the newest action per address wins, whatever order
// or how many times the actions are replayed.
import { describe, expect, it } from 'vitest';
import { ConsentMap } from '@/client/consent/consent-map';
import { utf8 } from '@/protocol/bytes';

const A = '0x' + 'aB'.repeat(20);
const B = '0x' + '12'.repeat(20);

describe('ConsentMap', () => {
  it('lets the newest action win, whatever order the actions come in', () => {
    const inOrder = new ConsentMap();
    inOrder.apply([A], 'allowed', 1n);
    inOrder.apply([A], 'denied', 2n);
    const reversed = new ConsentMap();
    reversed.apply([A], 'denied', 2n);
    reversed.apply([A], 'allowed', 1n);
    expect([inOrder.state(A), reversed.state(A)]).toEqual(['denied', 'denied']);
  });

  it('gives the same answer when an overlapping window is replayed again', () => {
    const map = new ConsentMap();
    const actions: [string, 'allowed' | 'denied', bigint][] = [
      [A, 'allowed', 10n],
      [B, 'denied', 11n],
      [A, 'denied', 12n],
      [B, 'allowed', 13n],
    ];
    for (const [who, state, at] of actions) map.apply([who], state, at);
    for (const [who, state, at] of actions.slice(1)) map.apply([who], state, at);
    expect([map.state(A), map.state(B)]).toEqual(['denied', 'allowed']);
  });

  it('looks addresses up case-insensitively and answers unknown for the rest', () => {
    const map = new ConsentMap();
    map.apply([A.toLowerCase()], 'allowed', 1n);
    expect(map.state(A.toUpperCase().replace('0X', '0x'))).toBe('allowed');
    expect(map.state(B)).toBe('unknown');
  });

  it('reports what each action decided, with the state before it', () => {
    const map = new ConsentMap();
    expect(map.apply([A, B], 'allowed', 5n)).toEqual([
      { address: A, state: 'allowed', previous: 'unknown', timestampNs: 5n },
      { address: B, state: 'allowed', previous: 'unknown', timestampNs: 5n },
    ]);
    expect(map.apply([A], 'denied', 4n)).toEqual([]);
    expect(map.apply([A], 'denied', 6n)).toEqual([
      { address: A, state: 'denied', previous: 'allowed', timestampNs: 6n },
    ]);
    expect(map.latestNs).toBe(6n);
  });

  it('round-trips through bytes and drops rows that do not parse', () => {
    const map = new ConsentMap();
    map.apply([A], 'denied', 7n);
    map.apply([B], 'allowed', 8n);
    expect(ConsentMap.fromBytes(map.toBytes()).list()).toEqual(map.list());
    const junk = utf8(
      JSON.stringify([[A, 'denied', '7'], [B, 'maybe', '8'], ['x'], 'y', [B, 'allowed', '-1']]),
    );
    const restored = ConsentMap.fromBytes(junk);
    expect([restored.state(A), restored.state(B)]).toEqual(['denied', 'unknown']);
    expect(ConsentMap.fromBytes(utf8('not json')).list()).toEqual([]);
  });
});
