// Reads a request body into memory up to a cap; over the cap the request fails with
// RESOURCE_EXHAUSTED (code 8) and HTTP 413, like the reference's gRPC max receive size (§1.7).
import type { IncomingMessage } from 'node:http';
import { ApiError, GrpcCode } from '@/network/api/errors';

export function tooLarge(size: number | string, max: number): ApiError {
  return new ApiError(
    GrpcCode.RESOURCE_EXHAUSTED,
    `request body larger than max (${size} vs. ${max} bytes)`,
    {
      status: 413,
      headers: { Connection: 'close' },
    },
  );
}

export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) return Promise.reject(tooLarge(declared, max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        chunks.length = 0;
        // Read no more of it: the 413 goes out with Connection: close and the socket ends after it.
        req.pause();
        reject(tooLarge(`over ${max}`, max));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
