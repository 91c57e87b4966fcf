// Renders popup components into a linkedom document (a real DOM implementation in Node) with Preact's own
// render, flushing effects and re-renders with act(), so tests read what a person would see.
import { parseHTML } from 'linkedom';
import { render, type ComponentChild } from 'preact';
import { act } from 'preact/test-utils';

export interface Rendered {
  container: HTMLElement;
  /** The visible text, whitespace collapsed. */
  text(): string;
  unmount(): void;
}

export function renderToDom(ui: ComponentChild): Rendered {
  const { document, window } = parseHTML('<!doctype html><html><body><div id="root"></div></body></html>');
  // Preact creates nodes on the global document.
  Object.assign(globalThis, { document, window });
  const container = document.getElementById('root') as unknown as HTMLElement;
  act(() => render(ui, container));
  return {
    container,
    text: () => (container.textContent ?? '').replace(/\s+/g, ' ').trim(),
    unmount: () => act(() => render(null, container)),
  };
}
