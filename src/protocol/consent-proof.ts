// Consent proofs carried in invitations (§11): a wallet's signature granting a sender inbox consent.
import type { ConsentProof } from './invitation';
import { parseWalletSignature, recoverWalletAddress } from './signature';

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/** The text the granting wallet signs (xmtp-js `@xmtp/consent-proof-signature`). */
export function consentProofText(timestampMs: number, senderAddress: string): string {
  return (
    'XMTP : Grant inbox consent to sender\n\n' +
    `Current Time: ${new Date(timestampMs).toUTCString()}\n` +
    `From Address: ${senderAddress}\n\n` +
    'For more info: https://xmtp.org/signatures/'
  );
}

/**
 * True when `proof`, found in an invitation from `peerAddress`, was signed by our own wallet for that
 * peer, in the past and within 30 days (xmtp-js `Contacts.validateConsentSignature`). Never throws.
 */
export function isValidConsentProof(
  proof: ConsentProof,
  ownAddress: string,
  peerAddress: string,
  nowMs: number,
): boolean {
  const timestampMs = Number(proof.timestampMs);
  if (timestampMs > nowMs || nowMs - timestampMs > THIRTY_DAYS_MS) return false;
  try {
    const sig = parseWalletSignature(
      proof.signature.startsWith('0x') ? proof.signature : `0x${proof.signature}`,
    );
    return (
      recoverWalletAddress(consentProofText(timestampMs, peerAddress), sig).toLowerCase() ===
      ownAddress.toLowerCase()
    );
  } catch {
    return false;
  }
}
