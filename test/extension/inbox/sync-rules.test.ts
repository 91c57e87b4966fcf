import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from '@/extension/cache/records';
import {
  encodeNotes,
  fieldChanges,
  MAX_NOTE_BYTES,
  parseNote,
  wins,
  withChange,
  type FieldChange,
} from '@/extension/inbox/sync-rules';

// The merge rule of the inbox sync (docs/sync-format.md): per field, the later change wins, a tie goes to the
// larger value, so any order of the same notes ends in the same state, and a replay changes nothing.
const TOPIC = '/xmtp/0/m-0123456789abcdef/proto';
const base: ConversationRecord = {
  topic: TOPIC,
  peerAddress: '0x0000000000000000000000000000000000000001',
  createdAt: 1,
  unread: 2,
  consent: 'allowed',
  lastMessage: {
    id: 'm2',
    senderAddress: '0x0000000000000000000000000000000000000001',
    sentAt: 500,
    preview: 'hi',
  },
};

const merge = (record: ConversationRecord, changes: FieldChange[]) =>
  changes.reduce((r, change) => (wins(change, r) ? withChange(r, change) : r), record);

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const change = (field: FieldChange['field'], value: FieldChange['value'], at: number): FieldChange => ({
  topic: TOPIC,
  field,
  value,
  at,
});

describe('sync merge rule', () => {
  const changes = [
    change('pin', 100, 100),
    change('pin', null, 200),
    change('mute', 9_000, 150),
    change('mute', null, 150), // the same millisecond as the mute: the tie-break decides
    change('archive', 300, 300),
    change('draft', 'first', 10),
    change('draft', 'second', 20),
    change('read', 500, 400),
  ];

  it('ends in the same state whatever order the changes arrive in, and replays change nothing', () => {
    const canonical = (r: ConversationRecord) =>
      JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
    const results = new Set(permutations(changes.slice(0, 6)).map((order) => canonical(merge(base, order))));
    expect(results.size).toBe(1);
    const all = merge(base, changes);
    expect(merge(all, changes)).toEqual(all);
    expect(all.pinnedAt).toBeUndefined(); // unpinned later than pinned
    expect(all.pinSetAt).toBe(200);
    expect(all.mutedUntil).toBeUndefined(); // a tie: "null" > "9000" as text, so the unmute wins
  });

  it('breaks a tie by the larger value as JSON text, the same on every install', () => {
    const a = change('mute', 9_000, 150);
    const b = change('mute', null, 150);
    const one = merge(base, [a, b]);
    const other = merge(base, [b, a]);
    expect(one).toEqual(other);
    expect(one.mutedUntil).toBeUndefined();
  });

  it('keeps what is newer here and takes what is newer there', () => {
    const local = withChange(base, change('draft', 'typed here', 50));
    expect(wins(change('draft', 'older there', 40), local)).toBe(false);
    expect(wins(change('draft', 'newer there', 60), local)).toBe(true);
    expect(wins(change('draft', 'typed here', 50), local)).toBe(false); // the same change again
  });

  it('reads "read up to" against what arrived here: newer messages stay unread', () => {
    expect(withChange(base, change('read', 500, 10)).unread).toBe(0);
    expect(withChange(base, change('read', 400, 10)).unread).toBe(2); // read there before message m2 arrived
    expect(withChange({ ...base, unread: 0 }, change('read', null, 10)).unread).toBe(1); // marked unread
  });

  it('lists the fields set since a time, as changes that rebuild the record elsewhere', () => {
    const local = merge(base, [
      change('pin', 100, 100),
      change('archive', 300, 300),
      change('draft', 'x', 20),
    ]);
    expect(fieldChanges(local, 0).map((c) => c.field)).toEqual(['pin', 'archive', 'draft']);
    expect(fieldChanges(local, 150).map((c) => c.field)).toEqual(['archive']);
    const elsewhere = merge(base, fieldChanges(local, 0));
    expect(fieldChanges(elsewhere, 0)).toEqual(fieldChanges(local, 0));
  });
});

describe('sync notes', () => {
  it('round-trips changes, splitting them into notes under the size limit', () => {
    const long = 'ü'.repeat(20_000);
    const many = Array.from({ length: 60 }, (_, i) => change('draft', long, i));
    const notes = encodeNotes(many);
    expect(notes.length).toBeGreaterThan(1);
    for (const note of notes)
      expect(new TextEncoder().encode(note).length).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    expect(notes.flatMap(parseNote)).toEqual(many);
    expect(encodeNotes([])).toEqual([]);
  });

  it('refuses malformed notes and notes of a newer format with a clear error', () => {
    const bad = [
      'not json',
      '{"v":2,"changes":[]}',
      '{"v":1}',
      '{"v":1,"changes":[{"topic":"/other","field":"pin","value":1,"at":1}]}',
      `{"v":1,"changes":[{"topic":"${TOPIC}","field":"color","value":1,"at":1}]}`,
      `{"v":1,"changes":[{"topic":"${TOPIC}","field":"pin","value":"x","at":1}]}`,
      `{"v":1,"changes":[{"topic":"${TOPIC}","field":"draft","value":5,"at":1}]}`,
      `{"v":1,"changes":[{"topic":"${TOPIC}","field":"pin","value":1,"at":-1}]}`,
      `{"v":1,"changes":[{"topic":"${TOPIC}","field":"draft","value":"${'a'.repeat(20_001)}","at":1}]}`,
    ];
    for (const text of bad) expect(() => parseNote(text), text.slice(0, 60)).toThrow(/sync note: /);
    expect(() => parseNote('{"v":2,"changes":[]}')).toThrow(/version 2 \(this install reads 1\)/);
  });
});
