// A small popup menu (WAI-ARIA menu pattern): opens under its trigger (above it when there is no room), focus
// on the first item; arrow keys, Home and End move, Enter or Space picks, Escape or Tab closes and gives focus
// back to the trigger. Fixed-positioned, so a virtual list's scrolling box does not clip it.
import type { ComponentChild } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** One entry of a menu (a conversation action, an account, ...). */
export interface MenuEntry {
  label: string;
  /** The key that picks it while the menu is open (shown in the menu); undefined: none. */
  shortcut?: string;
  /** Starts a new group in the menu. */
  group?: boolean;
  /** Drawn before the label (an avatar). */
  icon?: ComponentChild;
  /** Quieter text after the label (a count). */
  detail?: string;
  /** Set for a choice among several (menuitemradio): whether it is the current one. */
  checked?: boolean;
}

/** Any kind of menu item: plain, or one of a radio group. */
const ITEMS = '[role="menuitem"], [role="menuitemradio"]';

export interface MenuAnchor {
  /** The button that opened the menu: its place, and where focus returns. */
  trigger: HTMLElement;
  /** Which edge of the trigger the menu lines up with: its right (the default, for "⋯") or its left. */
  align?: 'start' | 'end';
}

export function ActionsMenu<Item extends MenuEntry>({
  anchor,
  label,
  items,
  onPick,
  onClose,
}: {
  anchor: MenuAnchor;
  label: string;
  items: Item[];
  onPick(item: Item): void;
  onClose(): void;
}) {
  const menu = useRef<HTMLUListElement>(null);
  const [position, setPosition] = useState<{ top: number; left?: number; right?: number }>();

  useLayoutEffect(() => {
    const rect = anchor.trigger.getBoundingClientRect();
    const height = menu.current?.offsetHeight ?? 0;
    const below = rect.bottom + 4;
    const top = below + height > window.innerHeight - 4 ? Math.max(4, rect.top - height - 4) : below;
    setPosition(
      anchor.align === 'start'
        ? { top, left: Math.max(4, rect.left) }
        : { top, right: Math.max(4, window.innerWidth - rect.right) },
    );
  }, [anchor]);
  // Once placed (a hidden element cannot take focus), the first item takes it.
  const placed = position !== undefined;
  useLayoutEffect(() => {
    if (placed) menu.current?.querySelector<HTMLElement>(ITEMS)?.focus();
  }, [placed]);

  // A click anywhere else closes it.
  useLayoutEffect(() => {
    const outside = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener('pointerdown', outside, true);
    return () => document.removeEventListener('pointerdown', outside, true);
  }, [onClose]);

  const close = () => {
    onClose();
    anchor.trigger.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const entries = [...(menu.current?.querySelectorAll<HTMLElement>(ITEMS) ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => entries[(to + entries.length) % entries.length]?.focus();
    // Every key is the menu's while it is open: the inbox's shortcuts must not act behind it.
    event.stopPropagation();
    switch (event.key) {
      case 'ArrowDown':
        move(at + 1);
        break;
      case 'ArrowUp':
        move(at - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(entries.length - 1);
        break;
      case 'Escape':
      case 'Tab':
        close();
        break;
      default: {
        // The shortcut letter of an item picks it here too.
        const item = items.find((i) => i.shortcut && i.shortcut === event.key.toLowerCase());
        if (!item) return;
        onPick(item);
        close();
        break;
      }
    }
    event.preventDefault();
  };

  return (
    <ul
      ref={menu}
      class="menu"
      role="menu"
      aria-label={label}
      style={position ?? { visibility: 'hidden' }}
      onKeyDown={onKeyDown}
    >
      {items.map((item) => (
        <li
          key={item.label}
          role={item.checked === undefined ? 'menuitem' : 'menuitemradio'}
          aria-checked={item.checked}
          tabIndex={-1}
          class={item.group ? 'group' : undefined}
          onClick={() => {
            onPick(item);
            close();
          }}
          onKeyDown={(event) => {
            if (event.key !== 'Enter' && event.key !== ' ') return;
            event.preventDefault();
            event.stopPropagation();
            onPick(item);
            close();
          }}
        >
          {item.icon}
          <span class="label">{item.label}</span>
          {item.detail ? <span class="detail">{item.detail}</span> : null}
          {item.shortcut ? <kbd aria-hidden="true">{item.shortcut.toUpperCase()}</kbd> : null}
        </li>
      ))}
    </ul>
  );
}
