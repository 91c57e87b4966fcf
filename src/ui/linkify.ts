// Splits message text into plain runs and links, so the thread can show URLs and email addresses as links
// without ever treating message text as HTML. Finding them is linkifyjs's job (a well-kept tokenizer, not a
// regex of ours); which targets may become links is ours: only http:, https: and mailto:.
import { find } from 'linkifyjs';

export type TextSegment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The normalised target when `href` may be a link, else null (javascript:, data:, ftp: … stay text). */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let at = 0;
  for (const match of find(text)) {
    const href = match.isLink ? safeHref(match.href) : null;
    if (!href) continue;
    if (match.start > at) segments.push({ kind: 'text', text: text.slice(at, match.start) });
    segments.push({ kind: 'link', text: match.value, href });
    at = match.end;
  }
  if (at < text.length || segments.length === 0) segments.push({ kind: 'text', text: text.slice(at) });
  return segments;
}
