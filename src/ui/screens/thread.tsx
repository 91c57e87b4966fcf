// One conversation: messages with date dividers, replies and reactions, and a composer that sends
// optimistically (the message shows as sending at once; a failure stays visible with Retry).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import type { InboxState } from '@/extension/inbox/contract';
import type { Route } from '@/ui/app';
import { BackIcon, PaperclipIcon } from '@/ui/components/icons';
import { FILE_LIMIT_TEXT, useComposerFile } from '@/ui/composer-file';
import { ErrorNote } from '@/ui/components/field';
import { PeerAvatar, PeerTitle } from '@/ui/components/peer';
import { MessageBubble } from '@/ui/components/message-bubble';
import { dayLabel, errorText, fileSize, type ShownError } from '@/ui/format';
import { call, subscribeUpdates } from '@/ui/rpc';
import { ThreadActions, useDraft } from '@/ui/thread-actions';
import { buildThread, isMine, type ThreadMessage } from '@/ui/thread-model';

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
  const picker = useRef<HTMLInputElement>(null);
  const [dropping, setDropping] = useState(false);
  const attachment = useComposerFile(setError);
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

  const submit = (event?: Event) => {
    event?.preventDefault();
    const text = draft.trim();
    const file = attachment.file;
    if (file) {
      attachment.clear();
      void send(attachment.content(file));
    }
    if (!text) return;
    setDraft('');
    const content: OutgoingContent = replyTo
      ? { type: 'reply', reference: replyTo.message.id, text }
      : { type: 'text', text };
    setReplyTo(undefined);
    void send(content);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) submit(event);
    if (event.key === 'Escape' && replyTo) {
      event.preventDefault(); // cancel the reply instead of leaving the thread
      setReplyTo(undefined);
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

  const peer = conversation?.peerAddress ?? '';
  const loadFile = useCallback((id: string) => call('attachments.load', { id }), []);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDropping(false);
    void attachment.attach(event.dataTransfer?.files[0]);
  };
  const onPaste = (event: ClipboardEvent) => {
    const pasted = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!pasted) return; // text pastes as usual
    event.preventDefault();
    void attachment.attach(pasted);
  };
  return (
    <main
      class={`screen thread${dropping ? ' dropping' : ''}`}
      onDragOver={(event) => {
        if (!event.dataTransfer?.types.includes('Files')) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDropping(false);
      }}
      onDrop={onDrop}
    >
      <header class="bar">
        <button type="button" class="icon" aria-label="Back to inbox" onClick={() => go({ name: 'inbox' })}>
          <BackIcon />
        </button>
        {peer ? <PeerAvatar address={peer} size={28} /> : null}
        <PeerTitle address={peer} />
        <ThreadActions conversation={conversation} go={go} onChange={setConversation} onError={setError} />
      </header>
      {conversation?.consent === 'unknown' ? (
        <div class="callout row">
          <span>New sender. Accept messages from this address?</span>
          <button type="button" onClick={() => consent('allowed')}>
            Allow
          </button>
          <button type="button" class="danger" onClick={() => consent('denied')}>
            Deny
          </button>
        </div>
      ) : null}
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
      <form class="composer" onSubmit={submit}>
        {replyTo ? (
          <div class="replying">
            <span>
              Replying to <q>{replyTo.text.slice(0, 60)}</q>
            </span>
            <button
              type="button"
              class="link"
              onClick={() => setReplyTo(undefined)}
              aria-label="Cancel reply"
            >
              ✕
            </button>
          </div>
        ) : null}
        {attachment.file ? (
          <div class="replying attached">
            <span>
              📎 {attachment.file.name} · {fileSize(attachment.file.size)}
            </span>
            <button type="button" class="link" onClick={attachment.clear} aria-label="Remove the file">
              ✕
            </button>
          </div>
        ) : null}
        <div class="row">
          <input
            ref={picker}
            type="file"
            hidden
            aria-hidden="true"
            tabIndex={-1}
            onChange={(e) => {
              void attachment.attach(e.currentTarget.files?.[0]);
              e.currentTarget.value = '';
            }}
          />
          <button
            type="button"
            class="icon"
            aria-label="Attach a file"
            title={`Attach a file (${FILE_LIMIT_TEXT.toLowerCase()}; you can also drop or paste one)`}
            onClick={() => picker.current?.click()}
          >
            <PaperclipIcon />
          </button>
          <textarea
            ref={composer}
            rows={1}
            placeholder="Message"
            aria-label="Message"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
          />
          <button type="submit" class="primary" disabled={!draft.trim() && !attachment.file}>
            Send
          </button>
        </div>
      </form>
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
