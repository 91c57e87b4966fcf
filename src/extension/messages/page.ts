// The content script ⇄ main-world script hop: same-window `postMessage`, namespaced and validated on both
// sides, because any script on the page can post messages too. Requests carry a random id; only a reply to a
// pending id is accepted, and only from the same window and origin.
import type { Reply } from './envelope';
import type { TabMessages } from './content';

export const PAGE_CHANNEL = 'xmtp-inbox/page';

/** Content script → main world. */
export interface PageRequest {
  channel: typeof PAGE_CHANNEL;
  direction: 'to-page';
  id: string;
  type: keyof TabMessages;
  payload: unknown;
}

/** Main world → content script. */
export interface PageReply {
  channel: typeof PAGE_CHANNEL;
  direction: 'to-content';
  id: string;
  reply: Reply<unknown>;
}

const ID_PATTERN = /^[0-9a-f]{32}$/;

export function isPageRequest(data: unknown): data is PageRequest {
  if (!data || typeof data !== 'object') return false;
  const value = data as Partial<PageRequest>;
  return (
    value.channel === PAGE_CHANNEL &&
    value.direction === 'to-page' &&
    typeof value.id === 'string' &&
    ID_PATTERN.test(value.id) &&
    typeof value.type === 'string'
  );
}

export function isPageReply(data: unknown): data is PageReply {
  if (!data || typeof data !== 'object') return false;
  const value = data as Partial<PageReply>;
  return (
    value.channel === PAGE_CHANNEL &&
    value.direction === 'to-content' &&
    typeof value.id === 'string' &&
    ID_PATTERN.test(value.id) &&
    !!value.reply &&
    typeof value.reply === 'object' &&
    ('result' in value.reply || 'error' in value.reply)
  );
}

/** 128 random bits as hex: request ids a page script cannot guess. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
