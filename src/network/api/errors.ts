// Errors of the message API: a gRPC status code and a message, sent as grpc-gateway's body
// `{code, message, details: []}` with the HTTP status mapped from the code (docs/protocol.md §1.7).

export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

const HTTP_STATUS: Record<number, number> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; defaults to the grpc-gateway mapping of `code`. */
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on a rate-limit rejection. */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: number,
    message: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = options.status ?? HTTP_STATUS[code] ?? 500;
    this.headers = options.headers ?? {};
  }

  body(): string {
    return JSON.stringify({ code: this.code, message: this.message, details: [] });
  }
}

export const invalidArgument = (message: string): ApiError =>
  new ApiError(GrpcCode.INVALID_ARGUMENT, message);
