// The inbox's keyboard: / search, j/k or arrows through the rows, letters for a row's actions (the list under
// ?), Shift+R mark all read, a Archived, c new conversation, Esc back. Letters only outside text fields
// (Alt+letter works inside them too); a menu or dialog that is open takes its keys first.
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import type { Route } from '@/ui/app';
import { actionForKey, type ConversationAction } from '@/ui/conversation-actions';
import type { InboxView } from '@/ui/screens/inbox';

/** Whether a key event comes from a place where letters are typed (then single-letter shortcuts stay off). */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export interface InboxKeys {
  rows: ConversationRecord[];
  search: RefObject<HTMLInputElement>;
  query: string;
  setQuery(query: string): void;
  view: InboxView;
  setView(view: InboxView): void;
  go(route: Route): void;
  markAllRead(): unknown;
  openMenu(topic: string, trigger: HTMLElement): void;
  act(topic: string, action: ConversationAction): Promise<void>;
  /** Moves focus to a row (the seq makes the same row focus again). */
  setFocusRow(
    update: (f: { index: number; seq: number } | undefined) => { index: number; seq: number },
  ): void;
}

export function useInboxKeys(keys: InboxKeys): void {
  const { rows, search, query, setQuery, view, setView, go, markAllRead, openMenu, act, setFocusRow } = keys;
  // The row that has focus (its button or its "⋯"), as an index into the rows shown.
  const focusedIndex = (): number | undefined => {
    const li = (document.activeElement as HTMLElement | null)?.closest?.('.virtual-list li[data-index]');
    return li ? Number((li as HTMLElement).dataset.index) : undefined;
  };
  const moveFocus = (index: number) => {
    if (!rows.length) return;
    setFocusRow((f) => ({ index: Math.max(0, Math.min(rows.length - 1, index)), seq: (f?.seq ?? 0) + 1 }));
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.isComposing) return;
      const typing = isTyping(event);
      const inSearch = event.target === search.current;
      const index = focusedIndex();
      const letter = event.altKey ? event.code.replace(/^Key/, '').toLowerCase() : event.key;
      if (typing && !event.altKey) {
        if (inSearch && event.key === 'ArrowDown') {
          event.preventDefault();
          moveFocus(0);
        } else if (inSearch && event.key === 'Escape' && query) {
          event.preventDefault();
          setQuery('');
        }
        return;
      }
      const handled = (() => {
        switch (letter) {
          case '/':
            search.current?.focus();
            search.current?.select();
            return true;
          case 'j':
          case 'ArrowDown':
            moveFocus(index === undefined ? 0 : index + 1);
            return true;
          case 'k':
          case 'ArrowUp':
            if (index === 0) search.current?.focus();
            else moveFocus(index === undefined ? 0 : index - 1);
            return true;
          case 'R':
            if (!event.shiftKey) return false;
            void markAllRead();
            return true;
          case 'a':
            setView(view === 'archived' ? 'inbox' : 'archived');
            return true;
          case 'c':
            go({ name: 'new' });
            return true;
          case 'Escape':
            if (view !== 'archived') return false;
            setView('inbox');
            return true;
        }
        const conversation = index === undefined ? undefined : rows[index];
        if (!conversation) return false;
        if (letter === '.' || (event.shiftKey && event.key === 'F10') || event.key === 'ContextMenu') {
          const trigger = document.querySelector<HTMLElement>(
            `.virtual-list li[data-index="${index}"] .more`,
          );
          if (trigger) openMenu(conversation.topic, trigger);
          return true;
        }
        const action = actionForKey(letter, conversation, Date.now());
        if (!action) return false;
        void act(conversation.topic, action).then(() => moveFocus(index!));
        return true;
      })();
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
}
