// Uploading an encrypted payload to a node's attachment store (docs/node-api.md §6), in numbered parts so the
// caller can be told how much has gone: fetch() reports no upload progress (not in an MV3 service worker
// either), but a part that has been answered has gone. A part that fails is tried again a couple of times;
// a node from before chunked uploads gets the whole payload in one PUT instead.
import { apiErrorFromResponse, ApiError } from '@/client/api/api-error';
import type { EncryptedAttachment } from '@/protocol/content';

export interface AttachmentDeps {
  /** Base URL of the node whose attachment store takes uploads (normally the first node). */
  uploadUrl: string;
  getToken(options: { refresh: boolean }): Promise<string>;
  fetch: typeof fetch;
}

/** Told after the start and after each part: bytes the store has, of all. */
export type UploadProgress = (sentBytes: number, totalBytes: number) => void;

export interface UploadOptions {
  onProgress?: UploadProgress;
  /** Tries per part before the upload fails (default 3). */
  partAttempts?: number;
  /** Wait before the first retry, doubled for each next one (default 250 ms). */
  retryDelayMs?: number;
}

/** Parts in flight at once: enough to keep a link busy between one part's answer and the next's start. */
const PARALLEL_PARTS = 3;

interface Part {
  partNumber: number;
  size: number;
  uploadUrl: string;
  headers?: Record<string, string>;
}

/** A part and where its bytes start in the payload. */
type PlacedPart = Part & { offset: number };

interface MultipartSlot {
  url: string;
  exists: boolean;
  uploadId?: string;
  parts?: Part[];
  completeUrl?: string;
}

/** Uploads the payload (in parts) and returns the URL it is downloaded from. */
export async function uploadPayload(
  encrypted: EncryptedAttachment,
  deps: AttachmentDeps,
  options: UploadOptions = {},
): Promise<string> {
  const total = encrypted.payload.length;
  const progress = options.onProgress ?? (() => undefined);
  const base = deps.uploadUrl.replace(/\/+$/, '');
  const startUrl = `${base}/attachments/v1/multipart`;
  const declared = { contentDigest: encrypted.contentDigest, contentLength: total };
  const started = await authorized(deps, startUrl, declared);
  if (started.status === 404 || started.status === 405) {
    // A node without chunked uploads: one PUT, progress only when it is done.
    await started.body?.cancel();
    const url = await uploadWhole(encrypted, deps);
    progress(total, total);
    return url;
  }
  const slot = (await answer(started, startUrl)) as MultipartSlot;
  if (typeof slot?.url !== 'string') throw badResponse(startUrl, 'without a url');
  if (slot.exists) {
    progress(total, total);
    return slot.url;
  }
  const parts = checkedParts(slot, total, startUrl);
  progress(0, total);
  let sent = 0;
  const etags: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const part = parts[next++]!;
      etags[part.partNumber - 1] = await sendPart(encrypted.payload, part, parts.length, deps, options);
      sent += part.size;
      progress(sent, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, parts.length) }, worker));
  const completeUrl = slot.completeUrl!;
  const done = await authorized(deps, completeUrl, {
    parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })),
  });
  await answer(done, completeUrl);
  return slot.url;
}

/** The parts the node gave, in order, covering the payload exactly. */
function checkedParts(slot: MultipartSlot, total: number, url: string): PlacedPart[] {
  const parts = slot.parts;
  if (!Array.isArray(parts) || parts.length === 0 || typeof slot.completeUrl !== 'string') {
    throw badResponse(url, 'without parts or a complete URL');
  }
  let offset = 0;
  const placed = parts.map((part, i) => {
    if (part?.partNumber !== i + 1 || typeof part.uploadUrl !== 'string' || !(part.size > 0)) {
      throw badResponse(url, `with a malformed part ${i + 1}`);
    }
    offset += part.size;
    return { ...part, offset: offset - part.size };
  });
  if (offset !== total) throw badResponse(url, `with parts of ${offset} bytes for a ${total}-byte payload`);
  return placed;
}

/** PUTs one part, tried again after a network failure or a 5xx/408/429; returns the ETag it was answered. */
async function sendPart(
  payload: Uint8Array,
  part: PlacedPart,
  count: number,
  deps: AttachmentDeps,
  options: UploadOptions,
): Promise<string> {
  const attempts = Math.max(1, options.partAttempts ?? 3);
  const bytes = payload.subarray(part.offset, part.offset + part.size);
  const where = part.uploadUrl.split('?')[0]!;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await call(deps.fetch, part.uploadUrl, {
        method: 'PUT',
        headers: withoutLength(part.headers ?? {}),
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      const body = (await answer(response, where)) as { etag?: unknown };
      const etag = response.headers.get('etag') ?? (typeof body.etag === 'string' ? body.etag : undefined);
      if (!etag) throw badResponse(where, 'without an ETag (a bucket must expose the ETag header)');
      return etag;
    } catch (error) {
      const status = (error as ApiError).status;
      const retryable = status === undefined || status >= 500 || status === 408 || status === 429;
      if (!retryable || attempt >= attempts) {
        const err = error as ApiError;
        throw new ApiError(
          err.code ?? 'network_error',
          `part ${part.partNumber} of ${count} failed${retryable ? ` after ${attempt} tries` : ''}: ${err.message}`,
          { url: where, ...(status !== undefined ? { status } : {}) },
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 250) * 2 ** (attempt - 1)));
    }
  }
}

/** The single upload (a node from before chunked uploads): ask where, then PUT it all. */
async function uploadWhole(encrypted: EncryptedAttachment, deps: AttachmentDeps): Promise<string> {
  const slotUrl = `${deps.uploadUrl.replace(/\/+$/, '')}/attachments/v1/uploads`;
  const response = await authorized(deps, slotUrl, {
    contentDigest: encrypted.contentDigest,
    contentLength: encrypted.payload.length,
  });
  const slot = (await answer(response, slotUrl)) as {
    url?: unknown;
    exists?: boolean;
    uploadUrl?: unknown;
    headers?: Record<string, string>;
  };
  if (typeof slot?.url !== 'string') throw badResponse(slotUrl, 'without a url');
  if (slot.exists) return slot.url;
  if (typeof slot.uploadUrl !== 'string') throw badResponse(slotUrl, 'without an upload url');
  const put = await call(deps.fetch, slot.uploadUrl, {
    method: 'PUT',
    headers: withoutLength(slot.headers ?? {}),
    body: encrypted.payload as Uint8Array<ArrayBuffer>,
  });
  await answer(put, slot.uploadUrl.split('?')[0]!);
  return slot.url;
}

/** A JSON POST with the identity's token; an expired token is renewed once, like publish does. */
async function authorized(deps: AttachmentDeps, url: string, body: unknown): Promise<Response> {
  const ask = async (refresh: boolean) =>
    call(deps.fetch, url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${await deps.getToken({ refresh })}`,
      },
      body: JSON.stringify(body),
    });
  const response = await ask(false);
  if (response.status !== 401) return response;
  await response.body?.cancel();
  return ask(true);
}

function badResponse(url: string, what: string): ApiError {
  return new ApiError('bad_response', `${url} answered ${what}`, { url });
}

async function call(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (cause) {
    throw new ApiError(
      'network_error',
      `cannot reach ${url.split('?')[0]}: ${(cause as Error)?.message}`,
      { url },
      { cause },
    );
  }
}

async function answer(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw apiErrorFromResponse(response.status, text, url, retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    // A bucket answers a PUT with an empty or XML body: success is the status.
    return {};
  }
}

/** fetch sets Content-Length itself (and refuses it as a header in browsers). */
function withoutLength(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  );
}
