// One conversation: messages with date dividers, replies and reactions, and a composer that sends
// optimistically (the message shows as sending at once, a file with its upload's progress; a failure stays
// visible with Retry). The header and the composer are components of their own.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import type { InboxState } from '@/extension/inbox/contract';
import type { Route } from '@/ui/app';
import { useComposerFile, useFileDrop } from '@/ui/composer-file';
import { ErrorNote } from '@/ui/components/field';
import { MessageBubble } from '@/ui/components/message-bubble';
import { ThreadComposer } from '@/ui/components/thread-composer';
import { ThreadHeader } from '@/ui/components/thread-header';
import { dayLabel, errorText, type ShownError } from '@/ui/format';
import { call, subscribeUpdates } from '@/ui/rpc';
import { useDraft } from '@/ui/thread-actions';
import { buildThread, isMine, type ThreadMessage } from '@/ui/thread-model';
import { useUploadProgress } from '@/ui/use-upload-progress';

/** Messages shown at first; "Load earlier messages" adds as many again. */
const PAGE = 200;

export function Thread({
  topic,
  focus,
  state,
  go,
}: {
  topic: string;
  /** A message to show and mark (a search result): earlier pages load until it is there. */
  focus?: string | undefined;
  state: InboxState;
  go(route: Route): void;
}) {
  const [conversation, setConversation] = useState<ConversationRecord>();
  const [messages, setMessages] = useState<MessageRecord[]>();
  const [draft, setDraft] = useDraft(topic, conversation);
  const [replyTo, setReplyTo] = useState<ThreadMessage>();
  const [error, setError] = useState<string | ShownError>();
  const list = useRef<HTMLOListElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const attachment = useComposerFile(setError);
  const drop = useFileDrop(attachment);
  const uploads = useUploadProgress(topic);
  const self = state.address ?? '';

  const [limit, setLimit] = useState(PAGE);
  const load = useCallback(() => {
    call('messages.list', { topic, limit }).then(setMessages, (e) => setError(errorText(e)));
    call('conversations.get', { topic }).then(
      (found) => setConversation(found ?? undefined),
      () => undefined,
    );
  }, [topic, limit]);

  useEffect(() => {
    load();
    void call('conversations.markRead', { topic, receipt: true }).catch(() => undefined);
    composer.current?.focus();
    return subscribeUpdates((update) => {
      if ((update.kind === 'messages' && update.topic === topic) || update.kind === 'state') {
        load();
        void call('conversations.markRead', { topic, receipt: true }).catch(() => undefined);
      }
    });
  }, [topic, load]);

  const items = useMemo(() => buildThread(messages ?? [], self), [messages, self]);
  useFocusedMessage(focus, messages, limit, setLimit, list);
  // Follow the newest message (not earlier pages being loaded above it).
  const newest = messages?.[messages.length - 1];
  useLayoutEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [newest?.id, newest?.status]);

  const send = async (content: OutgoingContent) => {
    setError(undefined);
    try {
      // Re-read: the pending record (a local id) has become the sent one (the network's id) in the cache.
      await call('messages.send', { topic, content });
      load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const retry = (id: string) => call('messages.retry', { id }).then(load, (e) => setError(errorText(e)));
  const react = (entry: ThreadMessage, emoji: string) => {
    const mine = entry.reactions.find((r) => r.emoji === emoji)?.mine;
    void send({ type: 'reaction', reference: entry.message.id, emoji, action: mine ? 'removed' : 'added' });
  };
  const consent = (value: 'allowed' | 'denied') =>
    call('conversations.setConsent', { topic, consent: value }).then(setConversation, (e) =>
      setError(errorText(e)),
    );
  const loadFile = useCallback((id: string) => call('attachments.load', { id }), []);
  return (
    <main class={`screen thread${drop.dropping ? ' dropping' : ''}`} {...drop.handlers}>
      <ThreadHeader
        conversation={conversation}
        go={go}
        onChange={setConversation}
        onError={setError}
        onConsent={consent}
      />
      <ol class="messages" ref={list} aria-label="Messages" aria-live="polite">
        {messages === undefined ? <li class="muted center">Loading…</li> : null}
        {messages?.length === 0 ? <li class="muted center">No messages yet. Say hi!</li> : null}
        {messages && messages.length >= limit ? (
          <li class="center">
            <button type="button" class="link" onClick={() => setLimit(limit + PAGE)}>
              Load earlier messages
            </button>
          </li>
        ) : null}
        {items.map((entry) =>
          entry.kind === 'day' ? (
            <li key={entry.key} class="day" role="separator">
              <span>{dayLabel(entry.at)}</span>
            </li>
          ) : (
            <MessageBubble
              key={entry.item.message.id}
              entry={entry.item}
              mine={isMine(entry.item.message, self)}
              focused={entry.item.message.id === focus}
              upload={uploads.get(entry.item.message.id)}
              onRetry={retry}
              onReply={(e) => {
                setReplyTo(e);
                composer.current?.focus();
              }}
              onReact={react}
              loadFile={loadFile}
              autoLoadFiles={conversation?.consent === 'allowed'}
            />
          ),
        )}
      </ol>
      <ErrorNote error={error} />
      <ThreadComposer
        draft={draft}
        setDraft={setDraft}
        replyTo={replyTo}
        setReplyTo={setReplyTo}
        attachment={attachment}
        send={(content) => void send(content)}
        textarea={composer}
      />
    </main>
  );
}

/**
 * Brings a search result into view: while it is not among the loaded messages and earlier ones exist, loads more
 * (doubling the page); once it is there, scrolls it to the middle, once.
 */
function useFocusedMessage(
  focus: string | undefined,
  messages: MessageRecord[] | undefined,
  limit: number,
  setLimit: (limit: number) => void,
  list: { current: HTMLOListElement | null },
) {
  const shown = useRef<string>();
  useEffect(() => {
    if (!focus || !messages || shown.current === focus) return;
    if (!messages.some((m) => m.id === focus)) {
      if (messages.length >= limit) setLimit(limit * 2);
      return;
    }
    shown.current = focus;
    list.current?.querySelector(`[data-id="${CSS.escape(focus)}"]`)?.scrollIntoView({ block: 'center' });
  }, [focus, messages, limit]);
}
