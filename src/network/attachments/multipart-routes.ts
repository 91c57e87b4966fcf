// The chunked upload (docs/node-api.md §6.2), beside the single one:
//   POST /attachments/v1/multipart                   {contentDigest, contentLength} + token → upload id, parts
//   PUT  <each part's uploadUrl>                     the part's bytes (file backend: /multipart/<id>/<n>) → ETag
//   POST /attachments/v1/multipart/<id>/complete     {parts: [{partNumber, etag}]} + token → the download URL
// Size and hourly limits are taken at start, for the whole payload; the node checks the assembled bytes against
// the declared digest before storing them content-addressed. An upload not completed in time expires.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import { parseJson, requireObject } from '@/network/api/json';
import type { PublishAuth } from '@/network/auth/publish-auth';
import { readBody } from '@/network/http/body';
import type { AttachmentBackend } from './backend';
import { readDeclaredPayload } from './declared-payload';
import { UPLOAD_ID_PATTERN, type PendingUpload, type PendingUploads } from './pending-uploads';
import { methodNotAllowed, sendJson } from './respond';

export const MULTIPART_PATH = 'multipart';

export interface MultipartRoutesContext {
  backend: AttachmentBackend;
  uploads: PendingUploads;
  auth: PublishAuth;
  maxBytes: number;
  /** How long an upload may take from start to complete. */
  expiryMs: number;
  now: () => number;
  /** Takes from the identity's hourly budget (429 when it is spent). */
  take(wallet: string, kind: 'DEF' | 'BYTES', cost: number, what: string): void;
  nodeUrl(req: IncomingMessage): string;
  downloadUrl(req: IncomingMessage, digest: string): string;
}

export function createMultipartRoutes(ctx: MultipartRoutesContext) {
  const { backend, uploads } = ctx;

  async function start(req: IncomingMessage, res: ServerResponse) {
    const wallet = ctx.auth.authenticate(req.headers.authorization);
    const { contentDigest, contentLength } = await readDeclaredPayload(req, ctx.maxBytes);
    ctx.take(wallet, 'DEF', 1, 'uploads');
    const url = ctx.downloadUrl(req, contentDigest);
    if (await backend.has(contentDigest)) {
      sendJson(res, 200, { url, exists: true });
      return;
    }
    ctx.take(wallet, 'BYTES', contentLength, `${contentLength} bytes`);
    const upload: PendingUpload = {
      id: uploads.newId(),
      wallet,
      digest: contentDigest,
      length: contentLength,
      partSize: backend.partSize,
      partCount: Math.ceil(contentLength / backend.partSize),
      expiresAtMs: ctx.now() + ctx.expiryMs,
    };
    const { parts, bucketUploadId } = await backend.startParts(upload, ctx.nodeUrl(req));
    uploads.add(bucketUploadId ? { ...upload, bucketUploadId } : upload);
    sendJson(res, 200, {
      url,
      exists: false,
      uploadId: upload.id,
      partSize: upload.partSize,
      partCount: upload.partCount,
      expiresAtMs: upload.expiresAtMs,
      parts,
      completeUrl: `${ctx.nodeUrl(req)}/attachments/v1/${MULTIPART_PATH}/${upload.id}/complete`,
    });
  }

  async function receivePart(req: IncomingMessage, res: ServerResponse, id: string, part: string) {
    const upload = uploads.get(id);
    if (!backend.receivePart) {
      throw new ApiError(GrpcCode.UNIMPLEMENTED, 'PUT the parts to the bucket URLs the node gave');
    }
    if (!/^\d{1,5}$/.test(part)) throw invalidArgument(`part number must be a positive integer, not ${part}`);
    const etag = await backend.receivePart(upload, Number(part), req);
    sendJson(
      res,
      200,
      { partNumber: Number(part), etag },
      { ETag: `"${etag}"`, 'Access-Control-Expose-Headers': 'ETag' },
    );
  }

  async function complete(req: IncomingMessage, res: ServerResponse, id: string) {
    const wallet = ctx.auth.authenticate(req.headers.authorization);
    const upload = uploads.owned(id, wallet);
    const etags = partList(
      requireObject(parseJson((await readBody(req, 64 * 1024)).toString('utf8')), 'request body'),
      upload,
    );
    await backend.checkParts?.(upload, etags);
    upload.completing = true;
    try {
      const outcome = await backend.completeParts(upload, etags);
      sendJson(res, outcome === 'stored' ? 201 : 200, { url: ctx.downloadUrl(req, upload.digest) });
    } finally {
      uploads.remove(id);
    }
  }

  return {
    /** `rest`: the path after `/attachments/v1/multipart`. */
    async handle(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
      const method = req.method ?? 'GET';
      if (rest === '') {
        if (method !== 'POST') throw methodNotAllowed('POST');
        return start(req, res);
      }
      const [, id = '', action = '', extra] = rest.split('/');
      if (!UPLOAD_ID_PATTERN.test(id) || !action || extra !== undefined) {
        throw new ApiError(GrpcCode.NOT_FOUND, 'Not Found');
      }
      if (action === 'complete') {
        if (method !== 'POST') throw methodNotAllowed('POST');
        return complete(req, res, id);
      }
      if (method !== 'PUT') throw methodNotAllowed('PUT');
      return receivePart(req, res, id, action);
    },
  };
}

/** The client's list of parts → their ETags in part order; 400 for a part out of range, twice, or missing. */
function partList(body: Record<string, unknown>, upload: PendingUpload): string[] {
  const { parts } = body as { parts?: unknown };
  if (!Array.isArray(parts)) throw invalidArgument('parts must be a list of {partNumber, etag}');
  const etags: string[] = [];
  for (const part of parts) {
    const { partNumber, etag } = (part ?? {}) as { partNumber?: unknown; etag?: unknown };
    if (typeof partNumber !== 'number' || !Number.isSafeInteger(partNumber)) {
      throw invalidArgument('each part needs a partNumber (an integer)');
    }
    if (partNumber < 1 || partNumber > upload.partCount) {
      throw invalidArgument(
        `part ${partNumber} is out of range: this upload has parts 1 to ${upload.partCount}`,
      );
    }
    if (typeof etag !== 'string' || !etag || etag.length > 200) {
      throw invalidArgument(`part ${partNumber} needs the etag its upload was answered with`);
    }
    if (etags[partNumber - 1] !== undefined) throw invalidArgument(`part ${partNumber} is listed twice`);
    etags[partNumber - 1] = etag;
  }
  for (let n = 1; n <= upload.partCount; n++) {
    if (etags[n - 1] === undefined) {
      throw invalidArgument(
        `part ${n} is missing: send it, then complete with all ${upload.partCount} parts`,
      );
    }
  }
  return etags;
}
