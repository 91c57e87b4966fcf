// xmtp.org/remoteStaticAttachment:1.0 (docs/protocol.md §10.2): an encrypted attachment stored at a URL.
import { fromHex, randomBytes, toHex } from '@/protocol/bytes';
import { decrypt, encrypt } from '@/protocol/cipher';
import { ProtocolError } from '@/protocol/errors';
import { sha256Async } from '@/protocol/hash';
import type { CodecLookup, ContentCodec } from '@/protocol/content/codec';
import { contentTypeId } from '@/protocol/content/content-type-id';
import { decodeEncodedContent, encodeEncodedContent } from '@/protocol/content/encoded-content';
import { decodeNested } from '@/protocol/content/nested';
import type { Attachment } from './attachment';
import { attachmentCodec, attachmentFallback } from './attachment';
import { requireParameter, requireString } from './params';

export const ContentTypeRemoteAttachment = contentTypeId('xmtp.org', 'remoteStaticAttachment', 1, 0);

export interface RemoteAttachment {
  /** Where the encrypted payload is stored; must be https. */
  url: string;
  /** Hex sha256 of the encrypted payload. */
  contentDigest: string;
  salt: Uint8Array;
  nonce: Uint8Array;
  /** The 32-byte secret the payload is encrypted with. */
  secret: Uint8Array;
  /** Whatever the sending app supplies, conventionally `https://`. */
  scheme: string;
  /** Length the sender reports (of the attachment data); informational only. */
  contentLength: number;
  filename: string;
}

/** An encrypted attachment, ready to upload: put `payload` at a URL, then send a RemoteAttachment. */
export interface EncryptedAttachment {
  payload: Uint8Array;
  contentDigest: string;
  salt: Uint8Array;
  nonce: Uint8Array;
  secret: Uint8Array;
}

const decoder = new TextDecoder('utf-8');

/**
 * Whether a payload URL may be fetched (and sent): https anywhere, and http only to this machine (a local
 * development node), never to another host, so a peer cannot make the app reach into a local network in clear.
 */
export function isFetchableAttachmentUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:') return true;
  if (parsed.protocol !== 'http:') return false;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function hexParameter(value: string, name: string): Uint8Array {
  try {
    return fromHex(value);
  } catch (cause) {
    throw new ProtocolError('invalid_content', `remote attachment ${name} is not hex`, { cause });
  }
}

export const remoteAttachmentCodec: ContentCodec<RemoteAttachment> = {
  contentType: ContentTypeRemoteAttachment,
  encode(remote) {
    const url = requireString(remote.url, 'remote attachment url');
    // Like @xmtp/content-type-remote-attachment, only https URLs are sent; plus http to loopback, so a local
    // development node works (readers on other machines could not fetch it anyway).
    if (!isFetchableAttachmentUrl(url)) {
      throw new ProtocolError(
        'invalid_content',
        `remote attachment url must be https (or http to this machine): ${JSON.stringify(url)}`,
      );
    }
    if (!Number.isSafeInteger(remote.contentLength) || remote.contentLength < 0) {
      throw new ProtocolError(
        'invalid_content',
        `invalid remote attachment contentLength: ${remote.contentLength}`,
      );
    }
    return {
      type: ContentTypeRemoteAttachment,
      // Parameter order matches the reference codec, so the bytes do too.
      parameters: {
        contentDigest: requireString(remote.contentDigest, 'remote attachment contentDigest'),
        salt: toHex(remote.salt),
        nonce: toHex(remote.nonce),
        secret: toHex(remote.secret),
        scheme: requireString(remote.scheme, 'remote attachment scheme'),
        contentLength: String(remote.contentLength),
        filename: requireString(remote.filename, 'remote attachment filename'),
      },
      content: new TextEncoder().encode(url),
    };
  },
  decode(encoded) {
    const contentLength = requireParameter(encoded, 'contentLength');
    if (!/^\d{1,15}$/.test(contentLength)) {
      throw new ProtocolError(
        'invalid_content',
        `invalid remote attachment contentLength: ${JSON.stringify(contentLength)}`,
      );
    }
    return {
      url: decoder.decode(encoded.content),
      contentDigest: requireParameter(encoded, 'contentDigest'),
      salt: hexParameter(requireParameter(encoded, 'salt'), 'salt'),
      nonce: hexParameter(requireParameter(encoded, 'nonce'), 'nonce'),
      secret: hexParameter(requireParameter(encoded, 'secret'), 'secret'),
      scheme: requireParameter(encoded, 'scheme'),
      contentLength: Number(contentLength),
      filename: requireParameter(encoded, 'filename'),
    };
  },
  fallback: (remote) => attachmentFallback(remote.filename),
  shouldPush: () => true,
};

/**
 * Encrypts an attachment for upload (§10.2): its EncodedContent under a random 32-byte secret with
 * the §6 cipher and no AAD; the digest is hex sha256 of the encrypted payload.
 */
export async function encryptAttachment(
  attachment: Attachment,
  codec: ContentCodec<Attachment> = attachmentCodec,
): Promise<EncryptedAttachment> {
  const plaintext = encodeEncodedContent(codec.encode(attachment, { codecFor: () => undefined }));
  const secret = randomBytes(32);
  const { hkdfSalt, gcmNonce, payload } = await encrypt(plaintext, secret);
  return {
    payload,
    contentDigest: toHex(await sha256Async(payload)),
    salt: hkdfSalt,
    nonce: gcmNonce,
    secret,
  };
}

/** The message pointing at an uploaded payload: where it is, its keys, and the file's name and size. */
export function remoteAttachmentFor(
  encrypted: Omit<EncryptedAttachment, 'payload'>,
  url: string,
  file: { filename: string; size: number },
): RemoteAttachment {
  return {
    url,
    contentDigest: encrypted.contentDigest,
    salt: encrypted.salt,
    nonce: encrypted.nonce,
    secret: encrypted.secret,
    // What xmtp-js and the other SDKs put here, whatever the URL.
    scheme: 'https://',
    contentLength: file.size,
    filename: file.filename,
  };
}

/**
 * Checks the downloaded `payload` against the digest, decrypts it and decodes the content inside
 * (normally an {@link Attachment}) with `codecs`.
 */
export async function decryptRemoteAttachment(
  remote: RemoteAttachment,
  payload: Uint8Array,
  codecs: CodecLookup,
): Promise<unknown> {
  if (payload.length === 0) {
    throw new ProtocolError('invalid_remote_attachment', `no payload for remote attachment at ${remote.url}`);
  }
  if (toHex(await sha256Async(payload)) !== remote.contentDigest.toLowerCase()) {
    throw new ProtocolError('content_digest_mismatch', `content digest does not match for ${remote.url}`);
  }
  const plaintext = await decrypt({ hkdfSalt: remote.salt, gcmNonce: remote.nonce, payload }, remote.secret);
  return decodeNested(decodeEncodedContent(plaintext), codecs);
}

/** Payloads larger than this are not downloaded (the node's default upload cap is 25 MiB). */
export const MAX_REMOTE_PAYLOAD_BYTES = 32 * 1024 * 1024;

/**
 * Downloads a remote attachment's encrypted payload: only from a fetchable URL (isFetchableAttachmentUrl), and
 * no more than `maxBytes` (checked on the declared length, then while reading). `fetchFn` is injectable (tests,
 * or a service worker's own fetch).
 */
export async function fetchRemotePayload(
  remote: Pick<RemoteAttachment, 'url'>,
  {
    fetchFn = fetch,
    maxBytes = MAX_REMOTE_PAYLOAD_BYTES,
  }: { fetchFn?: typeof fetch; maxBytes?: number } = {},
): Promise<Uint8Array> {
  if (!isFetchableAttachmentUrl(remote.url)) {
    throw new ProtocolError(
      'invalid_remote_attachment',
      `refusing to fetch ${JSON.stringify(remote.url.slice(0, 200))}: only https (or http to this machine)`,
    );
  }
  let response: Response;
  try {
    response = await fetchFn(remote.url);
  } catch (cause) {
    throw new ProtocolError('remote_attachment_unavailable', `cannot reach ${remote.url}`, { cause });
  }
  if (!response.ok) {
    throw new ProtocolError(
      'remote_attachment_unavailable',
      `fetching ${remote.url} failed: HTTP ${response.status}`,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = () =>
    new ProtocolError(
      'remote_attachment_too_large',
      `the payload at ${remote.url} is over ${maxBytes} bytes`,
    );
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(read.value);
  }
  const payload = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    payload.set(chunk, offset);
    offset += chunk.length;
  }
  return payload;
}

/** Downloads (fetchRemotePayload), checks and decrypts a remote attachment. */
export async function loadRemoteAttachment(
  remote: RemoteAttachment,
  codecs: CodecLookup,
  fetchFn: typeof fetch = fetch,
): Promise<unknown> {
  return decryptRemoteAttachment(remote, await fetchRemotePayload(remote, { fetchFn }), codecs);
}
