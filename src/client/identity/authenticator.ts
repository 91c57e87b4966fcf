// Publish auth tokens (docs/protocol.md §2.2): made with the identity key, reused until they near the node's
// one-hour expiry, regenerated when the node answers 401.
import { createAuthToken } from '@/protocol/authn';
import { ProtocolError } from '@/protocol/errors';
import type { LegacyPrivateKey } from '@/protocol/keys';

/** The node rejects tokens older than 1 h (§2.3); xmtp-js renews after 3590 s. We keep a wider margin. */
export const TOKEN_LIFETIME_MS = 60 * 60 * 1000 - 5 * 60 * 1000;

export class TokenAuthenticator {
  #token: string | undefined;
  #createdAt = 0;

  constructor(
    private readonly identityKey: LegacyPrivateKey,
    private readonly walletAddress: string,
    private readonly now: () => number = Date.now,
  ) {}

  async getToken(opts: { refresh: boolean }): Promise<string> {
    const now = this.now();
    if (opts.refresh || this.#token === undefined || now - this.#createdAt >= TOKEN_LIFETIME_MS) {
      this.#token = createAuthToken(this.identityKey, { nowMs: now, walletAddress: this.walletAddress });
      this.#createdAt = now;
    }
    return this.#token;
  }
}

/** An authenticator whose keys are set after the ApiClient exists (the identity is loaded through it). */
export class LateAuthenticator {
  #target: TokenAuthenticator | undefined;

  use(target: TokenAuthenticator): void {
    this.#target = target;
  }

  getToken(opts: { refresh: boolean }): Promise<string> {
    if (!this.#target)
      return Promise.reject(new ProtocolError('no_identity', 'no identity key to sign an auth token yet'));
    return this.#target.getToken(opts);
  }
}
