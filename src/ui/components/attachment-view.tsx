// A file in a message: an image as a thumbnail that opens full size, any other file as a card with its name,
// size and a Save button. The bytes come from the background on request (it fetched, checked and decrypted
// them) and live here only as a blob: URL, revoked when the message leaves the screen. A file that cannot be
// loaded shows why, on the card, never as a broken image.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LoadedAttachment } from '@/extension/attachments/attachment-content';
import type { AttachmentSummary } from '@/extension/cache/records';
import { base64ToBlob } from '@/ui/base64';
import { explainError, type ShownError } from '@/ui/error-text';
import { fileSize } from '@/ui/format';
import { FileIcon } from './icons';

/** Image types shown inline; anything else (SVG above all: it can carry script) is a file card. */
export const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const IMAGE_EXTENSION = /\.(png|jpe?g|gif|webp)$/i;

/** Whether a file is drawn as an image: by its type when known, else (remote files) by its name. */
export function looksLikeImage(summary: AttachmentSummary): boolean {
  return summary.mimeType ? INLINE_IMAGE_TYPES.has(summary.mimeType) : IMAGE_EXTENSION.test(summary.filename);
}

type Loaded = { file: LoadedAttachment; url: string };

/** Asks the background for the file of a message (attachments.load). */
export type LoadFile = (id: string) => Promise<LoadedAttachment>;

/** Loads the file of message `id` into a blob: URL (revoked on unmount); `auto` starts at once. */
function useFile(id: string, auto: boolean, loadFile: LoadFile) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<ShownError>();
  const [busy, setBusy] = useState(false);
  const url = useRef<string>();
  useEffect(() => () => void (url.current && URL.revokeObjectURL(url.current)), []);
  const load = async (): Promise<Loaded | undefined> => {
    if (loaded) return loaded;
    setBusy(true);
    setError(undefined);
    try {
      const file = await loadFile(id);
      const blob = base64ToBlob(file.data, file.mimeType);
      url.current = URL.createObjectURL(blob);
      const next = { file, url: url.current };
      setLoaded(next);
      return next;
    } catch (e) {
      setError(explainError(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (auto) void load();
  }, [id, auto]);
  return { loaded, error, busy, load };
}

export function AttachmentView({
  id,
  summary,
  pending,
  loadFile,
  autoLoad,
}: {
  id: string;
  summary: AttachmentSummary;
  pending: boolean;
  loadFile: LoadFile;
  /**
   * Load an image at once. Off for a stranger's (a request): fetching its URL would tell the sender's server
   * that, and when, the message was opened; the card offers "Show image" instead.
   */
  autoLoad: boolean;
}) {
  const image = looksLikeImage(summary);
  const { loaded, error, busy, load } = useFile(id, image && !pending && autoLoad, loadFile);
  const [fullSize, setFullSize] = useState(false);
  // Bytes that claim an image type but do not decode: a card with Save, never a broken image.
  const [broken, setBroken] = useState(false);

  const save = async () => {
    const file = await load();
    if (!file) return;
    const link = document.createElement('a');
    link.href = file.url;
    link.download = file.file.filename;
    link.click();
  };

  if (image && loaded && !broken && INLINE_IMAGE_TYPES.has(loaded.file.mimeType)) {
    return (
      <>
        <button
          type="button"
          class="thumb"
          aria-label={`Open ${summary.filename} full size`}
          title={summary.filename}
          onClick={() => setFullSize(true)}
        >
          <img src={loaded.url} alt={summary.filename} onError={() => setBroken(true)} />
        </button>
        {fullSize ? (
          <Lightbox url={loaded.url} name={loaded.file.filename} onClose={() => setFullSize(false)} />
        ) : null}
      </>
    );
  }
  return (
    <div class={`file-card${error ? ' failed' : ''}`}>
      <FileIcon />
      <div class="file-info">
        <span class="file-name" title={summary.filename}>
          {summary.filename}
        </span>
        <span class="muted">{fileSize(summary.size)}</span>
        {broken ? (
          <span class="file-error">This image cannot be displayed; save it to open it elsewhere.</span>
        ) : null}
        {error ? (
          <details class="file-error" role="alert">
            <summary>{error.text}</summary>
            <code>{error.detail}</code>
          </details>
        ) : null}
      </div>
      {pending ? null : (
        <button type="button" class="link" disabled={busy} onClick={() => void (image ? load() : save())}>
          {busy ? 'Loading…' : error ? 'Try again' : image ? 'Show image' : 'Save'}
        </button>
      )}
    </div>
  );
}

/** The image at full size over the thread; Escape, the close button or a click outside closes it. */
function Lightbox({ url, name, onClose }: { url: string; name: string; onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  return (
    <div class="lightbox" role="dialog" aria-modal="true" aria-label={name} onClick={onClose}>
      <img src={url} alt={name} onClick={(event) => event.stopPropagation()} />
      <a class="button save" href={url} download={name} onClick={(event) => event.stopPropagation()}>
        Save
      </a>
      <button ref={close} type="button" class="icon close" aria-label="Close image" onClick={onClose}>
        ✕
      </button>
    </div>
  );
}
