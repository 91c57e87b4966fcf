// One message of a thread: its bubble (with the message it quotes), its reactions, time, status and actions.
// Each sits in its own error boundary, so a message that cannot be rendered shows a note in its place and the
// rest of the thread stays usable.
import type { ThreadMessage } from '@/ui/thread-model';
import { explainStoredError } from '@/ui/error-text';
import { fileSize, messageTime, shortAddress } from '@/ui/format';
import type { UploadProgress } from '@/ui/use-upload-progress';
import { AttachmentView, type LoadFile } from './attachment-view';
import { ErrorBoundary } from './error-boundary';
import { LinkedText } from './linked-text';
import { UploadBar, uploadText } from './upload-progress';

export const QUICK_REACTION = '👍';

/** What a pending message says, by stage (files go through all three). */
const PROGRESS = { encrypting: 'Encrypting', uploading: 'Uploading', sending: 'Sending' } as const;

/**
 * "Uploading 1.2 of 3.1 MB · 38 %" once the upload's parts are counted (the worker tells after each),
 * "Uploading 3.1 MB…" before the first; else the stage.
 */
function progressText(
  message: ThreadMessage['message'],
  size: number | undefined,
  upload: UploadProgress | undefined,
): string {
  const stage = message.progress ?? 'sending';
  if (upload && stage !== 'sending') return uploadText(upload);
  const label = PROGRESS[stage] ?? PROGRESS.sending;
  return stage === 'uploading' && size !== undefined ? `${label} ${fileSize(size)}…` : `${label}…`;
}

/** What shows in place of a message that threw while rendering. */
export const UNRENDERABLE_MESSAGE = 'This message could not be displayed';

export interface MessageBubbleProps {
  entry: ThreadMessage;
  mine: boolean;
  onRetry(id: string): void;
  onReply(entry: ThreadMessage): void;
  onReact(entry: ThreadMessage, emoji: string): void;
  /** Fetches a file message's bytes from the background. */
  loadFile: LoadFile;
  /** Images load at once (an allowed peer, or our own); otherwise on request. */
  autoLoadFiles: boolean;
  /** The message a search result opened the thread at: marked until the thread is left. */
  focused?: boolean;
  /** A file of ours being uploaded: how much the store has. */
  upload?: UploadProgress | undefined;
}

export function MessageBubble(props: MessageBubbleProps) {
  return (
    <ErrorBoundary
      label={`message ${props.entry?.message?.id ?? '(no id)'}`}
      fallback={
        <li class="message theirs unrenderable">
          <div class="bubble">
            <p class="muted">{UNRENDERABLE_MESSAGE}</p>
          </div>
        </li>
      }
    >
      <MessageItem {...props} />
    </ErrorBoundary>
  );
}

function MessageItem({
  entry,
  mine,
  onRetry,
  onReply,
  onReact,
  focused,
  loadFile,
  autoLoadFiles,
  upload,
}: MessageBubbleProps) {
  const { message } = entry;
  const pending = message.status === 'pending';
  const sent = message.status === 'sent';
  return (
    <li
      class={`message ${mine ? 'mine' : 'theirs'} ${message.status}${entry.unsupported ? ' unsupported' : ''}${focused ? ' focused' : ''}`}
      data-id={message.id}
    >
      {/* The content type says what the app could not show (the sender's fallback or "Unsupported message"). */}
      <div class="bubble" title={entry.unsupported ? `Content type: ${message.contentType}` : undefined}>
        {entry.quoted ? (
          <blockquote class="quoted">
            {entry.quoted.mine ? (
              <cite>You</cite>
            ) : entry.quoted.senderAddress ? (
              <cite class="mono">{shortAddress(entry.quoted.senderAddress)}</cite>
            ) : null}
            {entry.quoted.text}
          </blockquote>
        ) : null}
        {entry.attachment ? (
          <AttachmentView
            id={message.id}
            summary={entry.attachment}
            pending={message.status !== 'sent'}
            loadFile={loadFile}
            autoLoad={autoLoadFiles || mine}
          />
        ) : null}
        {entry.attachment && pending && upload ? (
          <UploadBar upload={upload} filename={entry.attachment.filename} />
        ) : null}
        {entry.attachment ? null : (
          <p>
            <LinkedText text={entry.text} />
          </p>
        )}
      </div>
      {entry.reactions.length ? (
        <div class="reactions">
          {entry.reactions.map((r) => (
            <button
              key={r.emoji}
              type="button"
              class={r.mine ? 'reaction mine' : 'reaction'}
              aria-pressed={r.mine}
              onClick={() => onReact(entry, r.emoji)}
            >
              {r.emoji} {r.count}
            </button>
          ))}
        </div>
      ) : null}
      <div class="meta">
        <time>{messageTime(message.sentAt)}</time>
        {pending ? (
          <span class="progress"> · {progressText(message, entry.attachment?.size, upload)}</span>
        ) : null}
        {entry.seen ? <span class="seen"> · Seen</span> : null}
        {message.status === 'failed' ? (
          <span class="failed" role="alert">
            {' '}
            · Not sent
            {message.error ? (
              <span title={explainStoredError(message.error).detail}>
                : {explainStoredError(message.error).text}
              </span>
            ) : null}{' '}
            <button type="button" class="link" onClick={() => onRetry(message.id)}>
              Retry
            </button>
          </span>
        ) : null}
        {sent ? (
          <span class="actions">
            <button type="button" class="link" onClick={() => onReply(entry)} aria-label="Reply">
              Reply
            </button>
            <button
              type="button"
              class="link"
              onClick={() => onReact(entry, QUICK_REACTION)}
              aria-label="React with thumbs up"
            >
              {QUICK_REACTION}
            </button>
          </span>
        ) : null}
      </div>
    </li>
  );
}
