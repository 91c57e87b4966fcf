// The default token verifier: XMTP auth tokens as xmtp-node-go checks them (docs/protocol.md §2.3),
// implemented in the protocol core.
import { parseAuthorizationHeader, verifyAuthToken } from '@/protocol/authn';
import type { VerifiedToken } from './publish-auth';

export function verifyXmtpToken(token: string, nowMs: number): VerifiedToken {
  return verifyAuthToken(token, { nowMs });
}

export { parseAuthorizationHeader };
