// Display helpers: times, days and short addresses.

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** "14:05" today, "Mon" this week, "3 Mar" this year, else "3 Mar 2024". */
export function listTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  if (sameDay(date, today)) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (now - ms < 6 * 86_400_000) return date.toLocaleDateString(undefined, { weekday: 'short' });
  if (date.getFullYear() === today.getFullYear()) {
    return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  }
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function messageTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The label of a date divider in a thread. */
export function dayLabel(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  if (sameDay(date, today)) return 'Today';
  if (sameDay(date, new Date(now - 86_400_000))) return 'Yesterday';
  return date.toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function errorText(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
