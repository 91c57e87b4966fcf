// JSON answers of the attachment store, shared by the single upload (routes.ts) and the chunked one
// (multipart-routes.ts): every answer may be read cross-origin (a popup, a page), errors are the API's JSON.
import type { ServerResponse } from 'node:http';
import { ApiError, GrpcCode } from '@/network/api/errors';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Access-Control-Allow-Origin': '*',
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function methodNotAllowed(allow: string): ApiError {
  return new ApiError(GrpcCode.UNIMPLEMENTED, 'Method Not Allowed', {
    status: 405,
    headers: { Allow: allow },
  });
}
