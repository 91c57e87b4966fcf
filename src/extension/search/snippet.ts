// Cuts a search result's text to a line around its first match and splits it into plain and matching parts (the
// popup wraps those in <mark>): a word matches when its folded form (case and accents dropped, as the index
// folds them) starts with a folded word of the query.
import { foldTerm } from './fold';

export type Highlighted = { text: string; match: boolean }[];

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a query, folded: what each word of a text is compared with. */
export function queryTerms(query: string): string[] {
  return [...query.matchAll(WORD)].map((m) => foldTerm(m[0])).filter(Boolean);
}

export function highlight(text: string, terms: string[]): Highlighted {
  const parts: Highlighted = [];
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    const word = foldTerm(m[0]);
    if (!terms.some((term) => word.startsWith(term))) continue;
    if (m.index > last) parts.push({ text: text.slice(last, m.index), match: false });
    parts.push({ text: m[0], match: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}

/** About `width` characters of `text` around its first match, with "…" where it was cut. */
export function snippet(text: string, terms: string[], width = 90): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= width) return line;
  const parts = highlight(line, terms);
  const first = parts.findIndex((p) => p.match);
  const at = parts.slice(0, Math.max(first, 0)).reduce((n, p) => n + p.text.length, 0);
  const start = Math.max(0, Math.min(at - Math.floor(width / 3), line.length - width));
  return `${start > 0 ? '…' : ''}${line.slice(start, start + width).trim()}${start + width < line.length ? '…' : ''}`;
}
