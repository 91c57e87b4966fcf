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
    // The same check as @xmtp/content-type-remote-attachment: only https URLs are sent.
    if (!url.startsWith('https')) {
      throw new ProtocolError(
        'invalid_content',
        `remote attachment url must be https: ${JSON.stringify(url)}`,
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

/**
 * Downloads and decrypts a remote attachment. Only https URLs are fetched; `fetchFn` is injectable
 * (tests, or a service worker's own fetch).
 */
export async function loadRemoteAttachment(
  remote: RemoteAttachment,
  codecs: CodecLookup,
  fetchFn: typeof fetch = fetch,
): Promise<unknown> {
  if (!/^https:\/\//i.test(remote.url)) {
    throw new ProtocolError(
      'invalid_remote_attachment',
      `refusing to fetch a non-https url: ${JSON.stringify(remote.url)}`,
    );
  }
  const response = await fetchFn(remote.url);
  if (!response.ok) {
    throw new ProtocolError(
      'remote_attachment_unavailable',
      `fetching ${remote.url} failed: HTTP ${response.status}`,
    );
  }
  return decryptRemoteAttachment(remote, new Uint8Array(await response.arrayBuffer()), codecs);
}
