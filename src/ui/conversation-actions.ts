// What a person can do with one conversation (pin, mute, archive, read state), named once for the row's and
// the thread's "⋯" menus and the keyboard shortcuts, so all three offer the same thing under the same key.
// (run-action.ts sends them to the background.)
import { isMuted, MUTED_FOREVER, type ConversationRecord } from '@/extension/cache/records';
import type { MuteDuration } from '@/extension/inbox/conversation-state';
import type { MenuEntry } from '@/ui/components/actions-menu';

export type ConversationAction =
  | { kind: 'pin'; pinned: boolean }
  | { kind: 'archive'; archived: boolean }
  | { kind: 'read'; read: boolean }
  | { kind: 'mute'; duration: MuteDuration | 'off' };

/** `shortcut`: the key that does it, in the menu and (from the list) in the inbox; undefined: menu only. */
export interface ActionItem extends MenuEntry {
  action: ConversationAction;
}

const MUTE_CHOICES: { duration: MuteDuration; label: string }[] = [
  { duration: '1h', label: 'Mute for 1 hour' },
  { duration: '8h', label: 'Mute for 8 hours' },
  { duration: '1w', label: 'Mute for 1 week' },
  { duration: 'forever', label: 'Mute until I unmute' },
];

/** The menu of a conversation at `now`, each item saying what it will do to it. */
export function actionsFor(conversation: ConversationRecord, now: number): ActionItem[] {
  const pinned = conversation.pinnedAt !== undefined;
  const archived = conversation.archivedAt !== undefined;
  const items: ActionItem[] = [
    { action: { kind: 'pin', pinned: !pinned }, label: pinned ? 'Unpin' : 'Pin to top', shortcut: 'p' },
    conversation.unread > 0
      ? { action: { kind: 'read', read: true }, label: 'Mark as read', shortcut: 'u' }
      : { action: { kind: 'read', read: false }, label: 'Mark as unread', shortcut: 'u' },
    {
      action: { kind: 'archive', archived: !archived },
      label: archived ? 'Move to inbox' : 'Archive',
      shortcut: 'e',
    },
  ];
  if (isMuted(conversation, now)) {
    items.push({ action: { kind: 'mute', duration: 'off' }, label: 'Unmute', shortcut: 'm', group: true });
  } else {
    MUTE_CHOICES.forEach(({ duration, label }, i) =>
      items.push({
        action: { kind: 'mute', duration },
        label,
        group: i === 0,
        ...(duration === 'forever' ? { shortcut: 'm' } : {}),
      }),
    );
  }
  return items;
}

/** The action a shortcut key does to `conversation` (p, u, e, m; case-insensitive), if any. */
export function actionForKey(
  key: string,
  conversation: ConversationRecord,
  now: number,
): ConversationAction | undefined {
  const k = key.toLowerCase();
  return actionsFor(conversation, now).find((item) => item.shortcut === k)?.action;
}

/** "Muted until 18:30", "Muted until Tue 09:00", or "Muted" (until unmuted), for a row's icon title. */
export function mutedLabel(mutedUntil: number, now: number): string {
  if (mutedUntil === MUTED_FOREVER) return 'Muted';
  const until = new Date(mutedUntil);
  const time = until.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const sameDay = new Date(now).toDateString() === until.toDateString();
  return sameDay
    ? `Muted until ${time}`
    : `Muted until ${until.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}
