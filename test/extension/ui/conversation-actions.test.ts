import { describe, expect, it } from 'vitest';
import { MUTED_FOREVER, type ConversationRecord } from '@/extension/cache/records';
import { actionForKey, actionsFor, mutedLabel } from '@/ui/conversation-actions';

const NOW = Date.UTC(2026, 11, 6, 12, 0);
const base: ConversationRecord = {
  topic: '/t',
  peerAddress: '0x2222222222222222222222222222222222222222',
  createdAt: 1,
  unread: 0,
  consent: 'allowed',
};
const labels = (c: ConversationRecord) => actionsFor(c, NOW).map((i) => i.label);

describe('conversation actions', () => {
  it('offers what each action would do to the conversation as it is', () => {
    expect(labels(base)).toEqual([
      'Pin to top',
      'Mark as unread',
      'Archive',
      'Mute for 1 hour',
      'Mute for 8 hours',
      'Mute for 1 week',
      'Mute until I unmute',
    ]);
    const changed = { ...base, pinnedAt: 5, unread: 2, archivedAt: 6, mutedUntil: NOW + 60_000 };
    expect(labels(changed)).toEqual(['Unpin', 'Mark as read', 'Move to inbox', 'Unmute']);
    // A mute that has ended offers muting again.
    expect(labels({ ...base, mutedUntil: NOW - 1 })).toContain('Mute for 1 hour');
  });

  it('maps the shortcut letters to the same actions as the menu', () => {
    expect(actionForKey('p', base, NOW)).toEqual({ kind: 'pin', pinned: true });
    expect(actionForKey('P', { ...base, pinnedAt: 1 }, NOW)).toEqual({ kind: 'pin', pinned: false });
    expect(actionForKey('u', base, NOW)).toEqual({ kind: 'read', read: false });
    expect(actionForKey('u', { ...base, unread: 1 }, NOW)).toEqual({ kind: 'read', read: true });
    expect(actionForKey('e', base, NOW)).toEqual({ kind: 'archive', archived: true });
    expect(actionForKey('m', base, NOW)).toEqual({ kind: 'mute', duration: 'forever' });
    expect(actionForKey('m', { ...base, mutedUntil: MUTED_FOREVER }, NOW)).toEqual({
      kind: 'mute',
      duration: 'off',
    });
    expect(actionForKey('x', base, NOW)).toBeUndefined();
  });

  it('says until when a conversation is muted', () => {
    expect(mutedLabel(MUTED_FOREVER, NOW)).toBe('Muted');
    expect(mutedLabel(NOW + 3_600_000, NOW)).toMatch(/^Muted until \d/);
    expect(mutedLabel(NOW + 7 * 24 * 3_600_000, NOW)).toMatch(/^Muted until \D+/);
  });
});
