import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from '@/ui/linkify';

describe('linkify', () => {
  it('turns URLs and email addresses into links and keeps the text around them', () => {
    expect(linkify('see https://example.com/a?b=1, or mail me@example.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', or mail ' },
      { kind: 'link', text: 'me@example.org', href: 'mailto:me@example.org' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('links a bare www host over http, as browsers would', () => {
    expect(linkify('www.example.com')).toEqual([
      { kind: 'link', text: 'www.example.com', href: 'http://www.example.com/' },
    ]);
  });

  it('never links javascript:, data: or ftp: targets', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://files.example.com/a']) {
      expect(linkify(text).every((s) => s.kind === 'text')).toBe(true);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('ftp://x.example')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
  });

  it('keeps text without links as one text segment, and the empty text as one empty segment', () => {
    expect(linkify('gm <b>friend</b>')).toEqual([{ kind: 'text', text: 'gm <b>friend</b>' }]);
    expect(linkify('')).toEqual([{ kind: 'text', text: '' }]);
  });

  it('gives every link a target equal to what it shows (up to normalisation)', () => {
    const segments = linkify('a https://EXAMPLE.com/x b http://127.0.0.1:5555/healthz c');
    const links = segments.filter((s) => s.kind === 'link');
    expect(links.map((l) => l.href)).toEqual(['https://example.com/x', 'http://127.0.0.1:5555/healthz']);
  });
});
