// The file waiting in the composer: picked with the attach button, dropped on the thread or pasted. Its size is
// checked here, before anything is read or uploaded, against the limit the background enforces too.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { OutgoingContent } from '@/extension/client-adapter';
import { MAX_ATTACHMENT_BYTES } from '@/extension/cache/records';
import { fileToBase64 } from '@/ui/base64';
import type { ShownError } from '@/ui/error-text';
import { fileSize } from '@/ui/format';

export interface PendingFile {
  name: string;
  type: string;
  size: number;
  /** base64 */
  data: string;
}

export const FILE_LIMIT_TEXT = `Files up to ${fileSize(MAX_ATTACHMENT_BYTES)}`;

/** The pending file, a way to set it from a File (checked and read), and its outgoing content. */
export type ComposerFile = ReturnType<typeof useComposerFile>;

export function useComposerFile(onError: (error: ShownError | undefined) => void) {
  const [file, setFile] = useState<PendingFile>();
  const attach = async (picked: File | undefined | null) => {
    if (!picked) return;
    if (picked.size > MAX_ATTACHMENT_BYTES) {
      onError({
        text: `“${picked.name}” is ${fileSize(picked.size)}. ${FILE_LIMIT_TEXT} can be sent; share a link to larger ones.`,
      });
      return;
    }
    if (picked.size === 0) {
      onError({ text: `“${picked.name}” is empty: there is nothing to send.` });
      return;
    }
    onError(undefined);
    const data = await fileToBase64(picked);
    setFile({
      name: picked.name || 'pasted-image',
      type: picked.type || 'application/octet-stream',
      size: picked.size,
      data,
    });
  };
  const content = (pending: PendingFile): OutgoingContent => ({
    type: 'attachment',
    filename: pending.name,
    mimeType: pending.type,
    data: pending.data,
  });
  return { file, attach, clear: () => setFile(undefined), content };
}

/** A file dropped anywhere on the thread goes to the composer; `dropping` marks the thread while one hovers. */
export function useFileDrop(attachment: ComposerFile) {
  const [dropping, setDropping] = useState(false);
  const handlers: Pick<JSX.HTMLAttributes<HTMLElement>, 'onDragOver' | 'onDragLeave' | 'onDrop'> = {
    onDragOver(event) {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      setDropping(true);
    },
    onDragLeave(event) {
      if (event.currentTarget === event.target) setDropping(false);
    },
    onDrop(event) {
      event.preventDefault();
      setDropping(false);
      void attachment.attach(event.dataTransfer?.files[0]);
    },
  };
  return { dropping, handlers };
}
