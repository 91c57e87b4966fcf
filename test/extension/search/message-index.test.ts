import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { foldTerm } from '@/extension/search/fold';
import { createMessageIndex, type MessageIndex } from '@/extension/search/message-index';

const PEER = '0x2222222222222222222222222222222222222222';
let n = 0;
const text = (topic: string, body: string, sentAt = ++n): MessageRecord => ({
  id: `m${++n}`,
  topic,
  senderAddress: PEER,
  sentAt,
  contentType: CONTENT_TYPES.text,
  content: body,
  status: 'sent',
});

describe('message search index', () => {
  it('matches words and prefixes, case- and accent-insensitively, across conversations', () => {
    const index = createMessageIndex();
    index.add([
      text('/a', 'Shall we get Crème Brûlée tonight?'),
      text('/a', 'the CAFÉ on the corner'),
      text('/b', 'creme brulee is overrated'),
      text('/b', 'nothing to see here'),
    ]);
    const topics = (query: string) => index.search(query).groups.map((g) => [g.topic, g.hits.length]);
    expect(topics('creme brul')).toEqual(
      expect.arrayContaining([
        ['/a', 1],
        ['/b', 1],
      ]),
    );
    expect(topics('CAFE')).toEqual([['/a', 1]]);
    expect(topics('café corner')).toEqual([['/a', 1]]);
    expect(topics('caf')).toEqual([['/a', 1]]);
    expect(topics('nothing overrated')).toEqual([]); // every word must match
    expect(topics('   ')).toEqual([]);
    expect(foldTerm('Ünïcödé')).toBe('unicode');
  });

  it('indexes replies and fallbacks, skips reactions and receipts, and replaces and removes by id', () => {
    const index = createMessageIndex();
    const reply: MessageRecord = {
      ...text('/a', ''),
      contentType: CONTENT_TYPES.reply,
      content: { reference: 'x', contentType: CONTENT_TYPES.text, content: 'agreed, pineapple' },
    };
    const poll: MessageRecord = {
      ...text('/a', ''),
      contentType: 'acme.example/poll:1.0',
      content: null,
      fallback: 'Poll: pineapple pizza?',
      unsupported: 'unknown_type',
    };
    const reaction: MessageRecord = {
      ...text('/a', ''),
      contentType: CONTENT_TYPES.reaction,
      content: { reference: 'x', action: 'added', content: '🍍', schema: 'unicode' },
      fallback: 'pineapple reaction',
    };
    index.add([reply, poll, reaction]);
    expect(index.size).toBe(2);
    expect(
      index
        .search('pineapple')
        .groups[0]!.hits.map((h) => h.id)
        .sort(),
    ).toEqual([reply.id, poll.id].sort());
    index.add([{ ...reply, content: { ...(reply.content as object), content: 'changed my mind' } }]);
    expect(index.search('pineapple').groups[0]!.hits.map((h) => h.id)).toEqual([poll.id]);
    index.remove(poll.id);
    expect(index.search('pineapple')).toEqual({ groups: [], truncated: false });
    index.clear();
    expect(index.size).toBe(0);
  });

  it('finds one word among 10,000 messages and returns the newest hits first, within the limit', () => {
    const index = createMessageIndex();
    const messages = Array.from({ length: 10_000 }, (_, i) =>
      text(`/t${i % 50}`, `message number ${i} about the weather`, i),
    );
    messages[123] = text('/t23', 'the zeppelin arrives at noon', 123);
    index.add(messages);
    const found = index.search('zepp');
    expect(found).toMatchObject({
      truncated: false,
      groups: [
        {
          topic: '/t23',
          hits: [
            {
              id: messages[123]!.id,
              text: 'the zeppelin arrives at noon',
              parts: [
                { text: 'the ', match: false },
                { text: 'zeppelin', match: true },
                { text: ' arrives at noon', match: false },
              ],
            },
          ],
        },
      ],
    });
    const { groups: many, truncated } = index.search('weather', { limit: 30 });
    expect(truncated).toBe(true);
    expect(many.reduce((sum, g) => sum + g.hits.length, 0)).toBe(30);
    for (const g of many)
      expect(g.hits.map((h) => h.sentAt)).toEqual([...g.hits.map((h) => h.sentAt)].sort((a, b) => b - a));
  });

  it('cuts a long message to a line around its first match, marked', () => {
    const index = createMessageIndex();
    const long = `${'blah '.repeat(60)}the Ferris wheel is closed today ${'more words '.repeat(30)}`;
    index.add([text('/a', long)]);
    const [hit] = index.search('ferris').groups[0]!.hits;
    const line = hit!.parts.map((p) => p.text).join('');
    expect(line.length).toBeLessThanOrEqual(92);
    expect(line.startsWith('…') && line.endsWith('…')).toBe(true);
    expect(hit!.parts.filter((p) => p.match).map((p) => p.text)).toEqual(['Ferris']);
  });
});

describe('message search index snapshot', () => {
  it('round-trips through plain JSON and keeps working: add, replace and remove after loading', () => {
    const index = createMessageIndex();
    index.add([text('/a', 'the Crème Brûlée recipe'), text('/b', 'a reaction follows')]);
    const reaction: MessageRecord = {
      ...text('/b', ''),
      contentType: CONTENT_TYPES.reaction,
      content: { reference: 'x', action: 'added', content: '👍', schema: 'unicode' },
    };
    index.add([reaction]);
    const json = JSON.parse(JSON.stringify(index.toSnapshot())) as unknown;

    const loaded = createMessageIndex();
    loaded.loadSnapshot(json);
    expect(loaded.size).toBe(2);
    expect([...loaded.ids()].sort()).toEqual([...index.ids()].sort()); // the reaction is known, without words
    expect(loaded.search('creme').groups.map((g) => g.topic)).toEqual(['/a']);
    const [hit] = loaded.search('creme').groups[0]!.hits;
    loaded.add([{ ...text('/a', 'now about tiramisu'), id: hit!.id }]); // same id, new text
    expect(loaded.search('creme').groups).toEqual([]);
    expect(loaded.search('tiram').groups[0]!.hits[0]!.id).toBe(hit!.id);
    loaded.add([text('/c', 'a later tiramisu')]);
    expect(loaded.search('tiramisu').groups).toHaveLength(2);
    loaded.remove(hit!.id);
    expect(loaded.search('tiramisu').groups.map((g) => g.topic)).toEqual(['/c']);
  });

  it('refuses what is not a snapshot of this version and is left empty', () => {
    const json = (i: MessageIndex) =>
      JSON.parse(JSON.stringify(i.toSnapshot())) as { docs: object; flex: object };
    const index = createMessageIndex();
    index.add([text('/a', 'something')]);
    for (const bad of [
      null,
      42,
      { version: 3, docs: [], wordless: [], flex: {} },
      // Version 1 (plain arrays) is refused: the cache rebuilds it from the messages.
      { version: 1, docs: [[1, 'id', '/a', 1, '0xabc', 'something']], wordless: [], flex: {} },
      { version: 2, docs: [], wordless: [], flex: {} },
      { ...json(index), docs: { ...json(index).docs, topic: '!' } }, // not a packed list
      { ...json(index), docs: { ...json(index).docs, topics: [] } }, // an index into nothing
      { ...json(index), docs: { ...json(index).docs, text: [] } }, // a column short
      { ...json(index), flex: { ...json(index).flex, bad: { z: 'ab$' } } },
    ])
      expect(() => index.loadSnapshot(bad)).toThrow(/not a search index snapshot/);
    expect(index.size).toBe(0);
    expect(index.search('something').groups).toEqual([]);
  });
});
