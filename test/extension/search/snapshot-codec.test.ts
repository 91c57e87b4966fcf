import { describe, expect, it } from 'vitest';
import {
  decodeDocs,
  decodeIntegers,
  encodeDocs,
  encodeIntegers,
  packIntegerLists,
  unpackIntegerLists,
} from '@/extension/search/snapshot-codec';

describe('the search snapshot codec', () => {
  it('packs integer lists into JSON-safe text and back, whatever their order and size', () => {
    const lists = [
      [],
      [0],
      [0, 1, 2, 3, 5, 8, 13, 99_999],
      [7, 3, -2, 2 ** 29, -(2 ** 29), 0, 31, 32, 33, 1023, 1024],
      Array.from({ length: 5_000 }, (_, i) => (i * 7_919) % 100_003),
    ];
    for (const list of lists) {
      const text = encodeIntegers(list);
      expect(JSON.stringify(text)).toBe(`"${text}"`); // nothing JSON must escape
      expect(decodeIntegers(text)).toEqual(list);
    }
    // Neighbouring message numbers cost a character each.
    expect(encodeIntegers(Array.from({ length: 1_000 }, (_, i) => i * 3))).toHaveLength(1_000);
  });

  it('refuses text it did not write', () => {
    for (const bad of ['ab$', 'A\u00e9', 'g', 'gggggggggg'])
      expect(() => decodeIntegers(bad)).toThrow(/packed/);
  });

  it("packs the number lists inside FlexSearch's export and leaves the rest as it was", () => {
    const exported = [
      ['tea', [Array.from({ length: 100 }, (_, i) => 1_000 + i * 5), null, [9]]],
      [
        'coffee',
        [
          [10, 11, 12, 13, 14, 15, 16, 17],
          [1.5, 2, 3, 4, 5, 6, 7, 8, 9],
        ],
      ],
    ];
    const packed = packIntegerLists(exported);
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(exported).length);
    expect(unpackIntegerLists(JSON.parse(JSON.stringify(packed)))).toEqual(exported);
  });

  it('stores the documents by column, topics and senders once, and refuses broken columns', () => {
    const docs = Array.from({ length: 50 }, (_, i) => ({
      n: i * 2,
      id: `m${i}`,
      topic: `/t${i % 3}`,
      sentAt: 1_700_000_000_000 + i,
      senderAddress: `0x${i % 2}`,
      text: `text ${i} "quoted" \\ done`,
    }));
    const columns = JSON.parse(JSON.stringify(encodeDocs(docs))) as Record<string, unknown>;
    expect(columns.topics).toEqual(['/t0', '/t1', '/t2']);
    expect(columns.senders).toEqual(['0x0', '0x1']);
    expect(decodeDocs(columns)).toEqual(docs);
    expect(() => decodeDocs({ ...columns, id: ['only one'] })).toThrow(/length/);
    expect(() => decodeDocs({ ...columns, senders: ['0x0'] })).toThrow(/no topic or sender/);
    expect(() => decodeDocs({ ...columns, sentAt: 'soon' })).toThrow(/columns/);
    expect(() => decodeDocs(null)).toThrow(/columns/);
  });
});
