// The popup's first screen needs the vault state and the first screen of conversations. public/popup-prefetch.js
// asks for both before this bundle has even loaded, so the round trips to the service worker overlap loading
// and evaluating it, and the inbox does not wait for a thousand records to be read and cloned across the
// runtime boundary either: it renders the first screen, then loads the rest (npm run bench -- extension).
// Each prefetched reply is used once; later loads go to the background. Without the early script (tests,
// another page), the same requests start here.
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox/contract';
import { unwrap } from '@/extension/messages/envelope';
import { call } from './rpc';

/** Enough rows to fill the popup (600 px of 60 px rows) with the virtual list's overscan; popup-prefetch.js agrees. */
export const FIRST_PAGE = 30;

interface EarlyReplies {
  state?: Promise<unknown>;
  conversations?: Promise<unknown>;
}

let conversations: Promise<ConversationRecord[] | undefined> | undefined;
/** The first screen's rows once their reply is in, until the inbox takes them (at most once, as the promise). */
let arrived: ConversationRecord[] | undefined;
let state: Promise<InboxState | undefined> | undefined;

/** A prefetched reply, unwrapped; undefined when it failed (e.g. the vault was locked): the caller asks again. */
function settle<T>(reply: Promise<unknown> | undefined, type: string, ask: () => Promise<T>) {
  const answer = reply ? reply.then((raw) => unwrap<T>(raw, type)) : ask();
  return answer.catch(() => undefined);
}

export function prefetchConversations(): void {
  const early = (globalThis as { xmtpInboxPrefetch?: EarlyReplies }).xmtpInboxPrefetch;
  const first = settle(early?.conversations, 'conversations.list', () =>
    call('conversations.list', { view: 'inbox', limit: FIRST_PAGE }),
  );
  conversations = first.then((rows) => {
    arrived = rows;
    return rows;
  });
  // The state is handed over once the first rows are in too, so the inbox renders once with its rows, not once
  // empty and again a moment later (both replies come within milliseconds of each other).
  state = Promise.all([settle(early?.state, 'state.get', () => call('state.get', {})), conversations]).then(
    ([inbox]) => inbox,
  );
}

/** The prefetched first screen if its reply is already in (once): the inbox's first render shows it. */
export function takeArrivedConversations(): ConversationRecord[] | undefined {
  const rows = arrived;
  if (rows) conversations = undefined;
  arrived = undefined;
  return rows;
}

/** The prefetched first screen (once), or undefined when there is none or it failed. */
export async function takePrefetchedConversations(): Promise<ConversationRecord[] | undefined> {
  const pending = conversations;
  conversations = undefined;
  arrived = undefined;
  return pending;
}

/** The prefetched vault state (once), or undefined when there is none or it failed. */
export async function takePrefetchedState(): Promise<InboxState | undefined> {
  const pending = state;
  state = undefined;
  return pending;
}
