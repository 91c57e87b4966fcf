// The user's per-conversation choices: pinned, muted, archived, read state and the composer's draft. Each is a
// change of one cached record (applied by InboxCache.updateConversation in one transaction), stamped with the
// time it was made, so that a sync across devices can later merge them per field, last writer wins.
import { MUTED_FOREVER, type ConversationRecord } from '@/extension/cache/records';
import { ExtensionError } from '@/extension/errors';

/** What the popup offers: mute for a while, or until unmuted. */
export type MuteDuration = '1h' | '8h' | '1w' | 'forever';

const HOUR_MS = 3_600_000;
export const MUTE_DURATIONS_MS: Record<Exclude<MuteDuration, 'forever'>, number> = {
  '1h': HOUR_MS,
  '8h': 8 * HOUR_MS,
  '1w': 7 * 24 * HOUR_MS,
};

/** When a mute chosen at `now` ends (MUTED_FOREVER for `forever`); throws for anything but the four choices. */
export function muteUntil(duration: MuteDuration, now: number): number {
  if (duration === 'forever') return MUTED_FOREVER;
  const ms = Object.hasOwn(MUTE_DURATIONS_MS, duration) ? MUTE_DURATIONS_MS[duration] : undefined;
  if (ms === undefined) {
    throw new ExtensionError('invalid_mute', `mute for 1h, 8h, 1w or forever, not ${String(duration)}`);
  }
  return now + ms;
}

type Change = (conversation: ConversationRecord) => ConversationRecord | undefined;

export function pinChange(pinned: boolean, at: number): Change {
  return (conversation) => {
    if ((conversation.pinnedAt !== undefined) === pinned) return undefined; // pinning again keeps its place
    const next = { ...conversation, pinSetAt: at };
    if (pinned) next.pinnedAt = at;
    else delete next.pinnedAt;
    return next;
  };
}

/** `until`: when the mute ends (ms, or MUTED_FOREVER); null unmutes. */
export function muteChange(until: number | null, at: number): Change {
  return (conversation) => {
    const next = { ...conversation, mutedSetAt: at };
    if (until === null) delete next.mutedUntil;
    else next.mutedUntil = until;
    return next;
  };
}

export function archiveChange(archived: boolean, at: number): Change {
  return (conversation) => {
    if ((conversation.archivedAt !== undefined) === archived) return undefined;
    const next = { ...conversation, archiveSetAt: at };
    if (archived) next.archivedAt = at;
    else delete next.archivedAt;
    return next;
  };
}

/** Marked unread at `at`: at least one unread message, so the row shows it and the badge counts it. */
export function markUnreadChange(at: number): Change {
  return (conversation) => {
    if (conversation.unread > 0) return undefined;
    const { readUpTo: _, ...rest } = conversation;
    return { ...rest, unread: 1, readSetAt: at };
  };
}

/** Longest draft kept: far more than a message anyone types, small enough for the cache. */
export const MAX_DRAFT_LENGTH = 20_000;

/**
 * The composer's text at `updatedAt`. A change older than the stored draft is dropped (a save from the popup
 * that arrives after the message was sent must not bring the sent text back). Empty text clears the draft but
 * keeps its time, for that comparison (and for a sync's).
 */
export function draftChange(text: string, updatedAt: number): Change {
  if (typeof text !== 'string') throw new ExtensionError('invalid_draft', 'a draft is text');
  if (text.length > MAX_DRAFT_LENGTH) {
    throw new ExtensionError('draft_too_long', `a draft holds at most ${MAX_DRAFT_LENGTH} characters`);
  }
  return (conversation) => {
    const current = conversation.draft;
    if (current && current.updatedAt > updatedAt) return undefined;
    if (!text && !current) return undefined;
    return { ...conversation, draft: { text, updatedAt } };
  };
}

/** Mutes that ended by `now`: their mutedUntil goes (the meaning is unchanged, so mutedSetAt stays). */
export const expiredMuteChange =
  (now: number): Change =>
  (conversation) => {
    if (conversation.mutedUntil === undefined || conversation.mutedUntil > now) return undefined;
    const { mutedUntil: _, ...rest } = conversation;
    return rest;
  };

/** When the next timed mute among `conversations` ends after `now`, if any does. */
export function nextMuteExpiry(
  conversations: readonly ConversationRecord[],
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const { mutedUntil } of conversations) {
    if (mutedUntil === undefined || mutedUntil <= now || mutedUntil === MUTED_FOREVER) continue;
    if (next === undefined || mutedUntil < next) next = mutedUntil;
  }
  return next;
}
