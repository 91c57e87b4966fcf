// The popup asks for its conversation list at start-up, in parallel with the vault state, so the inbox does not
// wait for two round trips in a row before its first render. Used once; later loads go to the background.
import type { ConversationRecord } from '@/extension/cache/records';
import { call } from './rpc';

let prefetched: Promise<ConversationRecord[] | undefined> | undefined;

export function prefetchConversations(): void {
  prefetched = call('conversations.list', {}).catch(() => undefined);
}

/** The prefetched list (once), or undefined when there is none or it failed (e.g. the vault was locked). */
export async function takePrefetchedConversations(): Promise<ConversationRecord[] | undefined> {
  const pending = prefetched;
  prefetched = undefined;
  return pending;
}
