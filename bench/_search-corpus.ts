// Message texts and queries for the search benchmarks (bench/search.ts in Node, bench/extension.ts in Chromium),
// from a seeded generator so every run indexes the same messages:
// - "harsh": 6–15 words from 44 words a wallet inbox uses, so every query word is in ~1 message of 5;
// - "zipf": 4–19 words from 4,000 made-up words (some accented) drawn with Zipf's law (s = 1), as in real text;
//   queries use words ranked 50–2,000 (the commonest are the, a, and: nobody searches them).
// A query is one or two words, every third one cut to three-letter prefixes.

export type CorpusName = 'harsh' | 'zipf';

export interface Corpus {
  sentence(): string;
  query(q: number): string;
}

const HARSH =
  'meet tomorrow lunch invoice contract wallet token swap bridge gas fee launch deploy review merge design call later tonight weekend coffee demo hackathon grant proposal vote snapshot airdrop mint drop sale floor price chart bullish bearish sorry thanks great awesome cool okay sure maybe'.split(
    ' ',
  );
const SYLLABLES = 'ka lo mi ne ru sa te vo bri cha dé fu gra jo kü lan mor pé qui sto'.split(' ');

export function searchCorpus(name: CorpusName, seed = 7): Corpus {
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const query = (word: () => string) => (q: number) => {
    const words = Array.from({ length: 1 + (q % 2) }, word);
    return q % 3 === 0 ? words.map((w) => w.slice(0, 3)).join(' ') : words.join(' ');
  };
  if (name === 'harsh')
    return {
      sentence: () => Array.from({ length: 6 + Math.floor(random() * 10) }, () => pick(HARSH)).join(' '),
      query: query(() => pick(HARSH)),
    };
  const vocabulary = [
    ...new Set(
      Array.from({ length: 6_000 }, () =>
        Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''),
      ),
    ),
  ].slice(0, 4_000);
  // Word r (from 0) is drawn with weight 1 / (r + 1): a binary search over the running sums.
  const sums: number[] = [];
  vocabulary.forEach((_, r) => sums.push((sums[r - 1] ?? 0) + 1 / (r + 1)));
  const zipfWord = () => {
    const x = random() * sums.at(-1)!;
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sums[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  return {
    sentence: () => Array.from({ length: 4 + Math.floor(random() * 16) }, zipfWord).join(' '),
    query: query(() => vocabulary[50 + Math.floor(random() * 1_950)]!),
  };
}
