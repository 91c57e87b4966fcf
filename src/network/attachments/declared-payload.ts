// What an uploader declares before sending a byte, for the single upload and the chunked one alike: the
// payload's content address (hex sha256) and its length, checked against the node's size limit (413).
import type { IncomingMessage } from 'node:http';
import { ApiError, GrpcCode, invalidArgument } from '@/network/api/errors';
import { parseJson, requireObject } from '@/network/api/json';
import { readBody } from '@/network/http/body';
import { DIGEST_PATTERN } from './backend';

export interface DeclaredPayload {
  contentDigest: string;
  contentLength: number;
}

export async function readDeclaredPayload(req: IncomingMessage, maxBytes: number): Promise<DeclaredPayload> {
  const body = requireObject(parseJson((await readBody(req, 4096)).toString('utf8')), 'request body');
  const { contentDigest, contentLength } = body as { contentDigest?: unknown; contentLength?: unknown };
  if (typeof contentDigest !== 'string' || !DIGEST_PATTERN.test(contentDigest)) {
    throw invalidArgument('contentDigest must be the hex sha256 of the payload (64 lowercase hex digits)');
  }
  if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength < 1) {
    throw invalidArgument('contentLength must be the payload size in bytes (a positive integer)');
  }
  if (contentLength > maxBytes) {
    throw new ApiError(
      GrpcCode.RESOURCE_EXHAUSTED,
      `attachment of ${contentLength} bytes is over this node's limit of ${maxBytes} bytes`,
      { status: 413 },
    );
  }
  return { contentDigest, contentLength };
}
