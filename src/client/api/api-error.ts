import { ProtocolError } from '@/protocol/errors';

// gRPC status codes as the node reports them in `{code, message, details}` (docs/protocol.md §1.7).
const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'cancelled',
  2: 'unknown',
  3: 'invalid_argument',
  4: 'deadline_exceeded',
  5: 'not_found',
  6: 'already_exists',
  7: 'permission_denied',
  8: 'resource_exhausted',
  9: 'failed_precondition',
  10: 'aborted',
  11: 'out_of_range',
  12: 'unimplemented',
  13: 'internal',
  14: 'unavailable',
  15: 'data_loss',
  16: 'unauthenticated',
};

export interface ApiErrorInfo {
  /** HTTP status, absent when no response arrived (network failure, timeout). */
  status?: number;
  /** gRPC code from the node's error body (docs/protocol.md §1.7). */
  grpcCode?: number;
  /** The node's own `message` text, unchanged. */
  nodeMessage?: string;
  /** The URL the request went to. */
  url?: string;
  /** How long the node asked us to wait (a 429's Retry-After), in ms. */
  retryAfterMs?: number;
}

/**
 * A failed call to a node. `code` is the gRPC code's snake_case name (`invalid_argument`,
 * `unauthenticated`, `resource_exhausted`, …), or `network_error` when no response arrived,
 * `http_error` when a status came without a gRPC body, `bad_response` when a body did not parse.
 */
export class ApiError extends ProtocolError {
  override readonly name: string = 'ApiError';
  readonly status: number | undefined;
  readonly grpcCode: number | undefined;
  readonly nodeMessage: string | undefined;
  readonly url: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, info: ApiErrorInfo = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = info.status;
    this.grpcCode = info.grpcCode;
    this.nodeMessage = info.nodeMessage;
    this.url = info.url;
    this.retryAfterMs = info.retryAfterMs;
  }

  /** Network failures and 5xx may succeed on a retry or on another node; 4xx will not (429 aside). */
  get isTransient(): boolean {
    return this.status === undefined ? this.code === 'network_error' : this.status >= 500;
  }

  override toJSON(): { code: string; message: string; status?: number; grpcCode?: number } {
    return { code: this.code, message: this.message, status: this.status, grpcCode: this.grpcCode };
  }
}

export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? 'unknown';
}

/** Builds the ApiError for a non-2xx response from its status and (possibly unparsable) body. */
export function apiErrorFromResponse(
  status: number,
  bodyText: string,
  url: string,
  retryAfterMs?: number,
): ApiError {
  let grpcCode: number | undefined;
  let nodeMessage: string | undefined;
  try {
    const body: unknown = JSON.parse(bodyText);
    if (body && typeof body === 'object') {
      const b = body as { code?: unknown; message?: unknown };
      if (typeof b.code === 'number') grpcCode = b.code;
      if (typeof b.message === 'string') nodeMessage = b.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the status alone.
  }
  const code = grpcCode !== undefined ? grpcCodeName(grpcCode) : 'http_error';
  const text = nodeMessage ?? (bodyText.slice(0, 200) || 'no body');
  return new ApiError(code, `node answered ${status} (${code}): ${text}`, {
    status,
    grpcCode,
    nodeMessage,
    url,
    retryAfterMs,
  });
}
