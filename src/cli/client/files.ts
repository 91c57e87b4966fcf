// Files for `client send --attach` and `client messages --save-attachments` (docs/cli.md): reading one to send,
// and writing received ones under their own names, never outside the folder and never over another file.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Attachment, RemoteAttachment } from '@/protocol/content';
import { CommandError } from './errors';

/** Media types by extension, for the files people send most; anything else is application/octet-stream. */
const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
};

/** The largest file `--attach` sends: the node's default upload limit (docs/node-api.md §6). */
export const MAX_SEND_BYTES = 25 * 1024 * 1024;

export async function readAttachment(path: string): Promise<Attachment> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CommandError('no_such_file', `--attach: no such file "${path}"`);
  if (info.size > MAX_SEND_BYTES) {
    throw new CommandError(
      'file_too_large',
      `--attach: "${path}" is ${info.size} bytes; files up to ${MAX_SEND_BYTES} bytes can be sent`,
    );
  }
  if (info.size === 0) throw new CommandError('empty_file', `--attach: "${path}" is empty`);
  return {
    filename: basename(path),
    mimeType: MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    data: new Uint8Array(await readFile(path)),
  };
}

/** A peer's file name made safe to write: no folders, no control characters, not empty, not hidden. */
export function safeFilename(name: string): string {
  const base = [...(name.split(/[\\/]/).pop() ?? '')].filter((c) => c >= ' ' && c !== '\u007f').join('');
  const trimmed = base.trim().replace(/^\.+/, '').slice(0, 200);
  return trimmed || 'attachment';
}

/** Writes `data` as DIR/name, or DIR/name (1), (2)… when taken; returns the path. */
export async function saveAttachment(dir: string, name: string, data: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const safe = safeFilename(name);
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  for (let n = 0; ; n++) {
    const path = join(dir, n === 0 ? safe : `${stem} (${n})${ext}`);
    if (existsSync(path)) continue;
    // 'wx': never replaces a file that appeared meanwhile.
    try {
      await writeFile(path, data, { flag: 'wx' });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** What --json says of a file: its name, type and size, and for a remote one where it is (never its key). */
export function attachmentJson(
  content: Attachment | RemoteAttachment,
  remote: boolean,
): Record<string, unknown> {
  if (remote) {
    const r = content as RemoteAttachment;
    return {
      filename: r.filename,
      size: r.contentLength,
      remote: true,
      url: r.url,
      contentDigest: r.contentDigest,
    };
  }
  const a = content as Attachment;
  return { filename: a.filename, mimeType: a.mimeType, size: a.data.length, remote: false };
}
