// The thread's composer: the message being written (Enter sends, Shift+Enter is a new line, Escape cancels a
// reply), the message it replies to, and the file waiting to go (attach button or paste; the thread takes drops).
import type { RefObject } from 'preact';
import { useRef } from 'preact/hooks';
import type { OutgoingContent } from '@/extension/client-adapter';
import { PaperclipIcon } from '@/ui/components/icons';
import { FILE_LIMIT_TEXT, type ComposerFile } from '@/ui/composer-file';
import { fileSize } from '@/ui/format';
import type { ThreadMessage } from '@/ui/thread-model';

export interface ThreadComposerProps {
  draft: string;
  setDraft(text: string): void;
  replyTo: ThreadMessage | undefined;
  setReplyTo(entry: ThreadMessage | undefined): void;
  attachment: ComposerFile;
  send(content: OutgoingContent): void;
  textarea: RefObject<HTMLTextAreaElement>;
}

export function ThreadComposer({
  draft,
  setDraft,
  replyTo,
  setReplyTo,
  attachment,
  send,
  textarea,
}: ThreadComposerProps) {
  const picker = useRef<HTMLInputElement>(null);

  const submit = (event?: Event) => {
    event?.preventDefault();
    const text = draft.trim();
    const file = attachment.file;
    if (file) {
      attachment.clear();
      send(attachment.content(file));
    }
    if (!text) return;
    setDraft('');
    const content: OutgoingContent = replyTo
      ? { type: 'reply', reference: replyTo.message.id, text }
      : { type: 'text', text };
    setReplyTo(undefined);
    send(content);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) submit(event);
    if (event.key === 'Escape' && replyTo) {
      event.preventDefault(); // cancel the reply instead of leaving the thread
      setReplyTo(undefined);
    }
  };

  const onPaste = (event: ClipboardEvent) => {
    const pasted = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!pasted) return; // text pastes as usual
    event.preventDefault();
    void attachment.attach(pasted);
  };

  return (
    <form class="composer" onSubmit={submit}>
      {replyTo ? (
        <div class="replying">
          <span>
            Replying to <q>{replyTo.text.slice(0, 60)}</q>
          </span>
          <button type="button" class="link" onClick={() => setReplyTo(undefined)} aria-label="Cancel reply">
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
          ref={textarea}
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
  );
}
