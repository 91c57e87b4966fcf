// Display helpers: times, days, short addresses and errors.

export { shortAddress } from '@/extension/names/short-address';

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

// One formatter per style, made on first use: `toLocale*String(undefined, options)` builds a new
// Intl.DateTimeFormat on every call, which cost the popup's first render milliseconds per row.
const formatters = new Map<string, Intl.DateTimeFormat>();
function format(ms: number, options: Intl.DateTimeFormatOptions): string {
  const key = JSON.stringify(options);
  let formatter = formatters.get(key);
  if (!formatter) formatters.set(key, (formatter = new Intl.DateTimeFormat(undefined, options)));
  return formatter.format(ms);
}

/** "14:05" today, "Mon" this week, "3 Mar" this year, else "3 Mar 2024". */
export function listTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  if (sameDay(date, today)) return messageTime(ms);
  if (now - ms < 6 * 86_400_000) return format(ms, { weekday: 'short' });
  if (date.getFullYear() === today.getFullYear()) return format(ms, { day: 'numeric', month: 'short' });
  return format(ms, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function messageTime(ms: number): string {
  return format(ms, { hour: '2-digit', minute: '2-digit' });
}

/** The label of a date divider in a thread. */
export function dayLabel(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  if (sameDay(date, today)) return 'Today';
  if (sameDay(date, new Date(now - 86_400_000))) return 'Yesterday';
  return format(ms, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** What the popup shows for a failure: a sentence for the person, details for a bug report (error-text.ts). */
export { explainError as errorText, type ShownError } from './error-text';

/** A file size for people: 512 B, 14 KB, 3.1 MB (decimal units, like file managers). */
export function fileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
}
