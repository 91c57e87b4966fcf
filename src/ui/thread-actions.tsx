// The thread's share of the per-conversation state: the composer's draft (saved as the person types, loaded
// when the thread opens) and the header's "⋯" menu with its keyboard shortcuts.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isMuted, type ConversationRecord } from '@/extension/cache/records';
import type { Route } from '@/ui/app';
import { ActionsMenu, type MenuAnchor } from '@/ui/components/actions-menu';
import { MoreIcon, MutedIcon, PinIcon } from '@/ui/components/icons';
import { actionForKey, actionsFor, mutedLabel, type ConversationAction } from '@/ui/conversation-actions';
import { runAction } from '@/ui/run-action';
import { errorText, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { isTyping } from '@/ui/inbox-keys';

/** How long typing pauses before the draft is saved; closing the popup or the thread saves at once. */
export const DRAFT_SAVE_DELAY_MS = 300;

/**
 * The composer's text, starting from the conversation's saved draft (once it has loaded, unless the person
 * typed first). Every change is saved shortly after typing pauses, and at once when the thread closes or the
 * popup is hidden.
 */
export function useDraft(
  topic: string,
  conversation: ConversationRecord | undefined,
): [string, (text: string) => void] {
  const [text, setText] = useState('');
  const typed = useRef(false);
  const loaded = useRef(false);
  const pending = useRef<string>();
  const timer = useRef<ReturnType<typeof setTimeout>>();

  useEffect(() => {
    if (!conversation || loaded.current) return;
    loaded.current = true;
    if (!typed.current && conversation.draft?.text) setText(conversation.draft.text);
  }, [conversation]);

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    const save = pending.current;
    pending.current = undefined;
    if (save !== undefined) void call('conversations.setDraft', { topic, text: save }).catch(() => undefined);
  }, [topic]);

  useEffect(() => {
    const hidden = () => document.visibilityState === 'hidden' && flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', hidden);
      flush();
    };
  }, [flush]);

  const change = useCallback(
    (next: string) => {
      typed.current = true;
      setText(next);
      pending.current = next;
      clearTimeout(timer.current);
      timer.current = setTimeout(flush, DRAFT_SAVE_DELAY_MS);
    },
    [flush],
  );
  return [text, change];
}

/** Leaving the thread is what these mean there: the conversation goes out of view, or is to be read later. */
const leavesThread = (action: ConversationAction) =>
  (action.kind === 'archive' && action.archived) || (action.kind === 'read' && !action.read);

/**
 * The header's "⋯" button and menu. Its shortcuts work in the thread too: the letter alone outside the
 * composer, Alt with the letter anywhere; "." opens the menu.
 */
export function ThreadActions({
  conversation,
  go,
  onChange,
  onError,
}: {
  conversation: ConversationRecord | undefined;
  go(route: Route): void;
  onChange(conversation: ConversationRecord): void;
  onError(error: ShownError): void;
}) {
  const button = useRef<HTMLButtonElement>(null);
  const [anchor, setAnchor] = useState<MenuAnchor>();
  const close = useCallback(() => setAnchor(undefined), []);

  const act = useCallback(
    async (action: ConversationAction) => {
      if (!conversation) return;
      try {
        const updated = await runAction(conversation.topic, action);
        if (leavesThread(action)) go({ name: 'inbox' });
        else if (updated) onChange(updated);
      } catch (e) {
        onError(errorText(e));
      }
    },
    [conversation, go, onChange, onError],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!conversation || event.defaultPrevented || event.ctrlKey || event.metaKey) return;
      if (isTyping(event) && !event.altKey) return;
      const letter = event.altKey ? event.code.replace(/^Key/, '').toLowerCase() : event.key;
      if (letter === '.' || event.code === 'Period') {
        event.preventDefault();
        if (button.current) setAnchor({ trigger: button.current });
        return;
      }
      const action = actionForKey(letter, conversation, Date.now());
      if (!action) return;
      event.preventDefault();
      void act(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [conversation, act]);

  const now = Date.now();
  return (
    <>
      <span class="spacer" />
      {conversation?.pinnedAt !== undefined ? (
        <span class="state-icon pinned" title="Pinned">
          <PinIcon size={15} />
          <span class="sr-only">Pinned</span>
        </span>
      ) : null}
      {conversation && isMuted(conversation, now) ? (
        <span class="state-icon muted-icon" title={mutedLabel(conversation.mutedUntil!, now)}>
          <MutedIcon size={15} />
          <span class="sr-only">{mutedLabel(conversation.mutedUntil!, now)}</span>
        </span>
      ) : null}
      <button
        ref={button}
        type="button"
        class="icon more"
        aria-label="Conversation actions"
        aria-haspopup="menu"
        aria-expanded={anchor !== undefined}
        title="Conversation actions (.)"
        disabled={!conversation}
        onClick={(e) => setAnchor({ trigger: e.currentTarget })}
      >
        <MoreIcon />
      </button>
      {anchor && conversation ? (
        <ActionsMenu
          anchor={anchor}
          label="Conversation actions"
          items={actionsFor(conversation, Date.now())}
          onPick={(item) => void act(item.action)}
          onClose={close}
        />
      ) : null}
    </>
  );
}
