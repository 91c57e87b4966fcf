// The inbox state installs of one identity share (docs/sync-format.md): per conversation, five fields — pin,
// mute, archive, read and draft — each a value with the time it was set. A change from another install wins
// when it was set later; at the same millisecond the larger value (compared as JSON text) wins, so every
// install picks the same one whatever order notes arrive in, and a note applied twice changes nothing.
import type { ConversationRecord } from '@/extension/cache/records';
import { ExtensionError } from '@/extension/errors';
import { MAX_DRAFT_LENGTH } from './conversation-state';

export const SYNCED_FIELDS = ['pin', 'mute', 'archive', 'read', 'draft'] as const;
export type SyncedField = (typeof SYNCED_FIELDS)[number];

/**
 * One field of one conversation. `value`: pin and archive — since when (ms), null when cleared; mute — until
 * when (ms, MUTED_FOREVER), null when unmuted; read — read up to this message time, null when marked unread;
 * draft — the text ("" when cleared). `at`: when it was set (ms).
 */
export interface FieldChange {
  topic: string;
  field: SyncedField;
  value: number | string | null;
  at: number;
}

type Value = FieldChange['value'];

/** The fields whose value is a time or nothing: where the record keeps the time, and when it was set. */
const TIMED = {
  pin: ['pinnedAt', 'pinSetAt'],
  mute: ['mutedUntil', 'mutedSetAt'],
  archive: ['archivedAt', 'archiveSetAt'],
  read: ['readUpTo', 'readSetAt'],
} as const satisfies Record<
  Exclude<SyncedField, 'draft'>,
  readonly [keyof ConversationRecord, keyof ConversationRecord]
>;

/** A field's value and stamp in a cached record; undefined when it was never set here. */
function fieldOf(c: ConversationRecord, field: SyncedField): { value: Value; at: number } | undefined {
  switch (field) {
    case 'pin':
    case 'mute':
    case 'archive':
    case 'read': {
      const [valueKey, setKey] = TIMED[field];
      const at = c[setKey];
      return at === undefined ? undefined : { value: c[valueKey] ?? null, at };
    }
    case 'draft':
      return c.draft === undefined ? undefined : { value: c.draft.text, at: c.draft.updatedAt };
  }
}

/** The fields of a conversation set at or after `since` (ms), as changes to send. */
export function fieldChanges(conversation: ConversationRecord, since: number): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of SYNCED_FIELDS) {
    const current = fieldOf(conversation, field);
    if (current && current.at >= since) changes.push({ topic: conversation.topic, field, ...current });
  }
  return changes;
}

/** Whether `change` beats what the record holds for its field (the rule at the top of this file). */
export function wins(change: FieldChange, conversation: ConversationRecord): boolean {
  const current = fieldOf(conversation, change.field);
  if (!current || change.at > current.at) return true;
  if (change.at < current.at) return false;
  return JSON.stringify(change.value) > JSON.stringify(current.value);
}

/** `change` written into a record (whether it wins is decided by `wins`). */
export function withChange(conversation: ConversationRecord, change: FieldChange): ConversationRecord {
  const next = { ...conversation };
  const time = typeof change.value === 'number' ? change.value : undefined;
  if (change.field !== 'draft') {
    const [valueKey, setKey] = TIMED[change.field];
    next[setKey] = change.at;
    if (time === undefined) delete next[valueKey];
    else next[valueKey] = time;
  }
  if (change.field === 'read') {
    // Read there up to `time`: nothing is left unread here unless a newer message came since.
    if (time === undefined) next.unread = Math.max(next.unread, 1);
    else if (!next.lastMessage || next.lastMessage.sentAt <= time) next.unread = 0;
  }
  if (change.field === 'draft') {
    next.draft = { text: typeof change.value === 'string' ? change.value : '', updatedAt: change.at };
  }
  return next;
}

const NOTE_VERSION = 1;
/** Notes stay far below the node's envelope limit (1 MiB) even with long drafts. */
export const MAX_NOTE_BYTES = 256 * 1024;

/** Changes as notes of at most MAX_NOTE_BYTES each (`{"v":1,"changes":[…]}`), in order. */
export function encodeNotes(changes: readonly FieldChange[]): string[] {
  const notes: string[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length) notes.push(`{"v":${NOTE_VERSION},"changes":[${batch.join(',')}]}`);
    batch = [];
    size = 0;
  };
  for (const change of changes) {
    const text = JSON.stringify(change);
    if (size + text.length * 3 > MAX_NOTE_BYTES) flush(); // ≤ 3 UTF-8 bytes per UTF-16 unit
    batch.push(text);
    size += text.length * 3;
  }
  flush();
  return notes;
}

const invalid = (why: string) => new ExtensionError('invalid_sync_note', `sync note: ${why}`);
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseChange(raw: unknown): FieldChange {
  if (!raw || typeof raw !== 'object') throw invalid('a change is not an object');
  const { topic, field, value, at } = raw as Record<string, unknown>;
  if (typeof topic !== 'string' || !topic.startsWith('/xmtp/0/') || topic.length > 300)
    throw invalid('a change has no conversation topic');
  if (!SYNCED_FIELDS.includes(field as SyncedField)) throw invalid(`unknown field ${String(field)}`);
  if (!isTime(at)) throw invalid('a change has no time');
  const ok =
    field === 'draft'
      ? typeof value === 'string' && value.length <= MAX_DRAFT_LENGTH
      : value === null || isTime(value);
  if (!ok) throw invalid(`a bad value for ${String(field)}`);
  return { topic, field: field as SyncedField, value: value as Value, at };
}

/**
 * The changes in a note. A note from a newer install (a higher `v`) is refused whole rather than half read;
 * anything malformed throws `invalid_sync_note`.
 */
export function parseNote(text: string): FieldChange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const { v, changes } = (parsed ?? {}) as { v?: unknown; changes?: unknown };
  if (v !== NOTE_VERSION) throw invalid(`version ${String(v)} (this install reads ${NOTE_VERSION})`);
  if (!Array.isArray(changes)) throw invalid('no changes');
  return changes.map(parseChange);
}
