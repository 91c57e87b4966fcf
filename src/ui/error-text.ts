// What the popup says when something fails (issue #16 item 5): a sentence saying what happened and what to do,
// chosen by the error's code, with the code and the technical message kept as "details" behind a toggle. No
// TypeError text ever reaches the screen as the sentence.

/** An error as the popup shows it. */
export interface ShownError {
  /** For the person: what happened and what to do. */
  text: string;
  /** For a bug report: the code and the original message. */
  detail?: string;
}

/** The node a message names (`cannot reach http://host:port/…`), for sentences that say which one. */
function nodeIn(message: string): string {
  const url = /https?:\/\/[^\s/:]+(?::\d+)?/.exec(message)?.[0];
  return url ? ` (${url})` : '';
}

type Explain = (message: string) => string;

const SENTENCES: Record<string, Explain> = {
  // The network and the node (client/api/api-error.ts codes).
  network_error: (m) =>
    `Cannot reach the XMTP node${nodeIn(m)}. Check your internet connection, or the node URL in Settings.`,
  unavailable: (m) => `The XMTP node${nodeIn(m)} is not answering right now. Try again in a moment.`,
  deadline_exceeded: (m) => `The XMTP node${nodeIn(m)} took too long to answer. Try again in a moment.`,
  resource_exhausted: () =>
    'The node is limiting how much you send right now (rate limit). Wait a minute, then try again.',
  unauthenticated: () =>
    'The node did not accept this identity’s sign-in. Try again; if it keeps failing, lock and unlock the inbox.',
  permission_denied: () => 'The node refused this request for this identity.',
  http_error: (m) => `The XMTP node${nodeIn(m)} gave an unexpected answer. Check the node URL in Settings.`,
  bad_response: (m) => `The XMTP node${nodeIn(m)} gave an unexpected answer. Check the node URL in Settings.`,
  stream_dropped: () => 'The live connection to the node dropped. It reconnects by itself.',
  // Peers and addresses.
  recipient_not_on_network: () =>
    'That address has not joined XMTP yet: its owner must open an XMTP app once before you can message it.',
  self_messaging: () => 'You cannot start a conversation with your own address.',
  self_conversation: () => 'You cannot start a conversation with your own address.',
  invalid_address: () =>
    'That is not an Ethereum address: it should be 0x followed by 40 hexadecimal characters.',
  unknown_conversation: () =>
    'This conversation is no longer in your inbox. Go back to the list and reopen it.',
  // The wallet on a web page.
  wallet_rejected: () =>
    'Your wallet declined the signature. Try again, and approve the request in the wallet.',
  wallet_unauthorized: () =>
    'The wallet has not connected that site yet. Connect it on the page, then try again.',
  wallet_error: (m) => `The wallet reported a problem: ${m}. Try again, or check the wallet on that page.`,
  no_wallet: () =>
    'No wallet was found on that page. Open a page where your wallet is available, then refresh.',
  no_account: () => 'The wallet did not share an account. Unlock your wallet on the page, then try again.',
  tab_unreachable: () => 'That tab cannot be reached. Reload the page, then try again.',
  invalid_signature: () =>
    'The wallet returned a signature that is not valid. Try again, or use another wallet.',
  // Files (src/client/attachments.ts, src/protocol/content/codecs/remote-attachment.ts).
  content_digest_mismatch: () =>
    'This file was changed after it was sent (its fingerprint does not match), so it is not shown. Ask the sender to send it again.',
  remote_attachment_unavailable: (m) =>
    /HTTP 404/.test(m)
      ? 'This file is no longer stored where it was uploaded. Ask the sender to send it again.'
      : `The server holding this file${nodeIn(m)} cannot be reached. Try again later.`,
  remote_attachment_too_large: () =>
    'This file is larger than the 32 MB the inbox downloads, so it is not loaded.',
  invalid_remote_attachment: () => 'This file cannot be loaded: its address or contents are not valid.',
  decryption_failed: () =>
    'This file cannot be decrypted: it may have been damaged. Ask the sender to send it again.',
  not_an_attachment: () => 'This message carries no file.',
  // ENS (src/extension/names).
  rpc_unavailable: () =>
    'The Ethereum RPC did not answer, so the name could not be looked up. Try again, or check the RPC in Settings → Names.',
  // The vault.
  wrong_password: () => 'That password is not right. Try again.',
  vault_locked: () => 'The inbox is locked. Unlock it to continue.',
  vault_corrupt: () =>
    'The saved keys cannot be read. If you have a backup or your key bundle, sign out and restore from it.',
  no_reply: () => 'The extension’s background did not answer. Close the popup and open it again.',
  client_unavailable: () => 'The inbox is still connecting. Try again in a moment.',
  // Input the person typed: the background's message names the bad value and is already a sentence.
  invalid_key_bundle: () =>
    'That is not a valid XMTP key bundle. Paste the whole base64 text an XMTP app exported, with nothing added.',
};

/** Codes whose own message is written for people (it names the bad value): shown as it is. */
const SAID_FOR_PEOPLE = new Set([
  'invalid_node_url',
  'insecure_node_url',
  'invalid_settings',
  'invalid_text',
  'invalid_draft',
  'draft_too_long',
  'invalid_mute',
  'invalid_consent',
  'invalid_secret',
  'vault_exists',
  'vault_empty',
  'vault_version',
  'not_retryable',
  'file_too_large',
  'ens_not_found',
  'ens_off',
  'invalid_name',
  'empty_file',
  'busy',
  'weak_password',
  // The backup file (src/client/backup/backup-file.ts): each says what is wrong with the file and what to do.
  'backup_wrong_password',
  'backup_corrupt',
  'backup_newer_version',
  'backup_not_a_backup',
  'invalid_backup',
]);

const GENERIC = 'Something went wrong. Try again; if it keeps happening, the details help a bug report.';

function sentence(code: string, message: string): string {
  const explain = SENTENCES[code];
  if (explain) return explain(message);
  if (SAID_FOR_PEOPLE.has(code) && message) return capitalize(message);
  return GENERIC;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Anything thrown or rejected (an ExtensionError from the background, say) as the popup shows it. */
export function explainError(error: unknown): ShownError {
  if (typeof error === 'string') return { text: error };
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const name = typeof code === 'string' && code ? code : 'internal';
  return { text: sentence(name, text), detail: `${name}: ${text}` };
}

/**
 * A failed send's stored error as the bubble shows it: `code: message`, or a plain message from before codes were
 * stored (a node that could not be reached is still recognised then).
 */
export function explainStoredError(stored: string): ShownError {
  const match = /^([a-z][a-z0-9_]*): ([\s\S]*)$/.exec(stored);
  if (match) return explainError({ code: match[1], message: match[2] });
  const code = /^cannot (reach|open)\b/.test(stored) ? 'network_error' : 'internal';
  return explainError({ code, message: stored });
}
