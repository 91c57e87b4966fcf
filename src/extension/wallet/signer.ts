/**
 * The wallet as the client sees it: the same shape xmtp-js takes, so the client can create or enable an
 * identity with it (docs/protocol.md §3.4 "Create Identity", §4 "Enable Identity"). In the extension it routes to
 * the EIP-1193 provider of a web page (docs/design.md §1.1).
 */
export interface Signer {
  getAddress(): Promise<string>;
  /** EIP-191 personal_sign of the UTF-8 text; resolves with the 65-byte signature as 0x hex. */
  signMessage(text: string): Promise<string>;
}

/** Which identity signature a text asks for, so the popup can explain it (docs/protocol.md §3.4, §4). */
export type SignaturePurpose = 'create_identity' | 'enable_identity' | 'other';

export function signaturePurpose(text: string): SignaturePurpose {
  if (text.startsWith('XMTP : Create Identity\n')) return 'create_identity';
  if (text.startsWith('XMTP : Enable Identity\n')) return 'enable_identity';
  return 'other';
}
