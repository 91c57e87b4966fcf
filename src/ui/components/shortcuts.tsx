// The keyboard shortcut list, opened with "?" anywhere outside a text field: a modal dialog that keeps focus
// on its close button and closes with Escape (or "?" again), giving focus back where it was.
import { Fragment } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

export const SHORTCUTS: { keys: string[]; what: string }[] = [
  { keys: ['/'], what: 'Search conversations' },
  { keys: ['↓', 'j'], what: 'Next conversation' },
  { keys: ['↑', 'k'], what: 'Previous conversation' },
  { keys: ['Enter'], what: 'Open the conversation' },
  { keys: ['Esc'], what: 'Back, close, clear the search' },
  { keys: ['p'], what: 'Pin or unpin' },
  { keys: ['m'], what: 'Mute until unmuted, or unmute' },
  { keys: ['e'], what: 'Archive, or move back to the inbox' },
  { keys: ['u'], what: 'Mark as unread or read' },
  { keys: ['.'], what: 'More actions (the ⋯ menu)' },
  { keys: ['Shift', 'R'], what: 'Mark all as read' },
  { keys: ['a'], what: 'Show archived conversations, or the inbox' },
  { keys: ['c'], what: 'New conversation' },
  { keys: ['Shift', 'A'], what: 'Switch account, or add one' },
  { keys: ['?'], what: 'This list' },
];

export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    event.stopPropagation(); // nothing behind the dialog acts on keys meanwhile
    if (event.key === 'Escape' || event.key === '?') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'Tab') {
      event.preventDefault(); // one control: focus stays in the dialog
    }
  };
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        class="dialog shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onKeyDown={onKeyDown}
      >
        <header class="row">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <span class="spacer" />
          <button type="button" class="link" ref={closeButton} onClick={onClose}>
            Close
          </button>
        </header>
        <p class="muted">While typing a message, hold Alt with the letter (Alt+P, Alt+M, Alt+E, Alt+U).</p>
        <dl>
          {SHORTCUTS.map(({ keys, what }) => (
            <div key={what} class="shortcut">
              <dt>
                {keys.map((k, i) => (
                  <Fragment key={k}>
                    {i > 0 ? <span class="muted">{k === 'R' ? ' + ' : ' or '}</span> : null}
                    <kbd>{k}</kbd>
                  </Fragment>
                ))}
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
