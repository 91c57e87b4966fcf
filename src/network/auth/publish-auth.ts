// Publish authorization (docs/protocol.md §2.3): a Bearer token proves which wallet publishes, and
// contact / privatestore topics accept only their own wallet. Verifying a token costs two
// secp256k1 recoveries, so verified tokens are cached by their header value; the age checks
// still run on every publish.
import { ApiError, GrpcCode } from '@/network/api/errors';
import { topicCategory } from '@/network/topics';

export interface VerifiedToken {
  /** EIP-55 wallet address the token was issued for. */
  walletAddress: string;
  /** AuthData.created_ns. */
  createdNs: bigint;
}

/**
 * Decodes and verifies the base64 token of an `Authorization: Bearer …` header at `nowMs`.
 * Throws an Error whose message says what is wrong (the node's texts, §2.3).
 */
export type TokenVerifier = (token: string, nowMs: number) => VerifiedToken;

/** Extracts the token from the header value, or throws an Error with the node's text. */
export type HeaderParser = (header: string | undefined) => string;

export interface PublishAuthOptions {
  verify: TokenVerifier;
  parseHeader: HeaderParser;
  now?: () => number;
  /** Tokens older than this are expired (reference: 1 hour). */
  maxAgeMs?: number;
  /** Tokens created further in the future than this are refused (clock skew allowance). */
  maxFutureMs?: number;
  cacheSize?: number;
}

const unauthenticated = (message: string): ApiError => new ApiError(GrpcCode.UNAUTHENTICATED, message);

export class PublishAuth {
  private readonly verify: TokenVerifier;
  private readonly parseHeader: HeaderParser;
  private readonly now: () => number;
  private readonly maxAgeNs: bigint;
  private readonly maxFutureNs: bigint;
  private readonly cacheSize: number;
  private cache = new Map<string, VerifiedToken>();

  constructor(options: PublishAuthOptions) {
    this.verify = options.verify;
    this.parseHeader = options.parseHeader;
    this.now = options.now ?? Date.now;
    this.maxAgeNs = BigInt(options.maxAgeMs ?? 60 * 60 * 1000) * 1_000_000n;
    this.maxFutureNs = BigInt(options.maxFutureMs ?? 5 * 60 * 1000) * 1_000_000n;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** The authenticated wallet of an Authorization header value, or an UNAUTHENTICATED error. */
  authenticate(header: string | undefined): string {
    let value: string;
    try {
      value = this.parseHeader(header);
    } catch (err) {
      throw unauthenticated(err instanceof Error ? err.message : String(err));
    }
    let token = this.cache.get(value);
    if (!token) {
      try {
        token = this.verify(value, this.now());
      } catch (err) {
        throw unauthenticated(err instanceof Error ? err.message : String(err));
      }
      // A full cache is simply dropped: tokens live an hour, so it refills with live ones.
      if (this.cache.size >= this.cacheSize) this.cache = new Map();
      this.cache.set(value, token);
    }
    const nowNs = BigInt(this.now()) * 1_000_000n;
    if (nowNs - token.createdNs > this.maxAgeNs) throw unauthenticated('validating token: token expired');
    if (token.createdNs - nowNs > this.maxFutureNs) {
      throw unauthenticated('validating token: token from the future');
    }
    return token.walletAddress;
  }

  /** Contact and private-store topics belong to their wallet (exact EIP-55 string, §2.3). */
  checkTopics(wallet: string, topics: Iterable<string>): void {
    for (const topic of topics) {
      const category = topicCategory(topic);
      if (
        category &&
        (category.kind === 'contact' || category.kind === 'privatestore') &&
        category.owner !== wallet
      ) {
        throw new ApiError(GrpcCode.PERMISSION_DENIED, 'publishing to restricted topic');
      }
    }
  }
}
