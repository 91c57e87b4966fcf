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
}

export function VirtualList<T>({ items, rowHeight, render, label, overscan = 6 }: Props<T>) {
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

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <li key={i} style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
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
