// What `xmtp-inbox client` prints: one JSON object per line with --json (for scripts), otherwise short
// aligned text for people. Errors go to stderr in both modes.
import { toBase64 } from '@/protocol/bytes';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The parts of a conversation the CLI shows (docs/client-api.md §4 `Conversation`). */
export interface ConversationView {
  topic: string;
  version: 'v1' | 'v2';
  peerAddress: string;
  createdAt: Date;
  context?: { conversationId: string; metadata: Record<string, string> };
}

/** The parts of a decoded message the CLI shows (docs/client-api.md §5 `DecodedMessage`). */
export interface MessageView {
  id: string;
  topic: string;
  senderAddress: string;
  sent: Date;
  contentType: { authorityId: string; typeId: string; versionMajor: number; versionMinor: number };
  content: unknown;
  fallback?: string;
  error?: { code: string; message: string };
  conversation: ConversationView;
}

export function contentTypeString(t: MessageView['contentType']): string {
  return `${t.authorityId}/${t.typeId}:${t.versionMajor}.${t.versionMinor}`;
}

/** JSON.stringify that writes bytes as base64, bigints as strings and dates as ISO text. */
export function jsonLine(value: unknown): string {
  return (
    JSON.stringify(value, function (this: unknown, _key, v: unknown) {
      if (v instanceof Uint8Array) return toBase64(v);
      if (typeof v === 'bigint') return v.toString();
      return v;
    }) + '\n'
  );
}

export function conversationJson(c: ConversationView): Record<string, unknown> {
  return {
    type: 'conversation',
    peerAddress: c.peerAddress,
    version: c.version,
    topic: c.topic,
    createdAt: c.createdAt.toISOString(),
    conversationId: c.context?.conversationId ?? null,
    metadata: c.context?.metadata ?? {},
  };
}

export function messageJson(m: MessageView): Record<string, unknown> {
  return {
    type: 'message',
    id: m.id,
    senderAddress: m.senderAddress,
    peerAddress: m.conversation.peerAddress,
    conversationId: m.conversation.context?.conversationId ?? null,
    topic: m.topic,
    sent: m.sent.toISOString(),
    contentType: contentTypeString(m.contentType),
    content: m.error ? null : m.content,
    fallback: m.fallback ?? null,
    error: m.error ? { code: m.error.code, message: m.error.message } : null,
  };
}

/** "2026-11-22 02:41:39" in UTC: sortable and unambiguous. */
export function shortTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The text a person sees for a message: the text, else the fallback, else its content type. */
export function messageText(m: MessageView): string {
  if (m.error) return `[cannot decode: ${m.error.code}]`;
  if (typeof m.content === 'string') return m.content;
  return m.fallback ?? `[${contentTypeString(m.contentType)}]`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => line + '\n')
    .join('');
}
