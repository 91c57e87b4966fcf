// A windowed list with fixed row heights: only the rows in view (plus a little overscan) are in the DOM, so a
// thousand conversations render as fast as a dozen.
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: T[];
  rowHeight: number;
  render(item: T, index: number): ComponentChildren;
  label: string;
  overscan?: number;
  /** Scrolls row `index` into view and focuses its first button (keyboard moves); `seq` repeats a request. */
  focus?: { index: number; seq: number };
  /** The last rows are in view (rendered): a list loaded a page at a time asks for the next one. */
  onEnd?(): void;
}

export function VirtualList<T>({ items, rowHeight, render, label, overscan = 6, focus, onEnd }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setHeight(element.clientHeight || 480);
    const observer = new ResizeObserver(() => setHeight(element.clientHeight || 480));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // First scroll so the row is rendered, then (once it is in the DOM) focus it.
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element || !focus) return;
    const top = focus.index * rowHeight;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight)
      element.scrollTop = top + rowHeight - element.clientHeight;
    setScrollTop(element.scrollTop);
  }, [focus, rowHeight]);
  const focused = useRef<number>();
  useLayoutEffect(() => {
    if (!focus || focused.current === focus.seq) return; // done: later scrolling must not take focus back
    const button = ref.current?.querySelector<HTMLElement>(`li[data-index="${focus.index}"] button`);
    if (!button) return;
    button.focus();
    focused.current = focus.seq;
  }, [focus, scrollTop]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const atEnd = items.length > 0 && last === items.length;
  useLayoutEffect(() => {
    if (atEnd) onEnd?.();
  }, [atEnd, items.length, onEnd]);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <li
        key={i}
        data-index={i}
        style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}
      >
        {render(items[i]!, i)}
      </li>,
    );
  }
  return (
    <div
      class="virtual-list"
      ref={ref}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <ul aria-label={label} style={{ position: 'relative', height: items.length * rowHeight }}>
        {rows}
      </ul>
    </div>
  );
}
