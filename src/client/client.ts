// The XMTP client (docs/client-api.md §1): identity, contacts, conversations and streams over one ApiClient.
// Runs in Node and in an MV3 service worker: fetch, WebSocket, WebCrypto and persistence are injected.
import { toChecksumAddress } from '@/protocol/address';
import { decodePrivateKeyBundle, encodePrivateKeyBundle, type PrivateKeyBundleV1 } from '@/protocol/bundles';
import { createCodecRegistry, type CodecRegistry, type ContentCodec } from '@/protocol/content';
import { ProtocolError } from '@/protocol/errors';
import type { Signer } from '@/protocol/identity';
import { Keyring } from '@/protocol/keyring';
import { decryptPrivateKeyBundle, encryptPrivateKeyBundle } from '@/protocol/private-store';
import { ApiClient, type WebSocketConstructor } from '@/client/api';
import { ConsentManager } from '@/client/consent/consent-manager';
import { DeviceSync } from '@/client/device-sync';
import { ContactDirectory } from '@/client/contacts/contact-directory';
import { Contacts } from '@/client/contacts/contacts';
import { LateAuthenticator, TokenAuthenticator } from '@/client/identity/authenticator';
import { loadOrCreateIdentity, type OnProgress } from '@/client/identity/load-identity';
import { MemoryPersistence, PrefixedPersistence, type Persistence } from '@/client/persistence';
import { Conversations } from '@/client/conversations/conversations';
import type { ClientCore, ClientStats } from '@/client/conversations/core';
import {
  inThreadOpener,
  type InviteOpener,
  type InviteOpenerFactory,
} from '@/client/conversations/invite-opener';
import { V1Secrets } from '@/client/conversations/v1-secrets';
import type { Conversation } from '@/client/conversations/conversation';
import type { DecodedMessage } from '@/client/conversations/decoded-message';
import { loadAttachment, prepareAttachment, type AttachmentProgress } from '@/client/attachments';
import type { Attachment, RemoteAttachment } from '@/protocol/content';

export interface ClientOptions {
  /** Node URLs; the first is used until it fails. */
  nodes: string[];
  /** Caches and sync state. Default: in memory. */
  persistence?: Persistence;
  /** Encoded PrivateKeyBundle (v1): use these keys, no wallet signatures. */
  keyBundle?: Uint8Array;
  /** 'local': never publish the encrypted bundle to the private store. Default 'network'. */
  keyStorage?: 'network' | 'local';
  /** Publish only the V1 contact bundle (like xmtp-js's option). */
  publishLegacyContact?: boolean;
  skipContactPublishing?: boolean;
  /**
   * Check (and republish if missing) the contact bundle beside what follows instead of before `create` returns:
   * for an identity whose bundle was published when it was set up. A failed check is not an error here.
   */
  publishContactInBackground?: boolean;
  /** Codecs beyond the standard ones (text, reply, reaction, read receipt, attachment, remote attachment, composite). */
  codecs?: ContentCodec[];
  appVersion?: string;
  fetch?: typeof fetch;
  WebSocket?: unknown;
  onProgress?: OnProgress;
  /**
   * Where invitations are opened (the CPU work of a cold list): default on the calling thread. Node hosts pass
   * nodeInvitePool() (src/client/node/invite-pool.ts) to use every core. Given this identity's keys.
   */
  inviteOpener?: InviteOpenerFactory;
}

function newApi(
  options: Pick<ClientOptions, 'nodes' | 'appVersion' | 'fetch' | 'WebSocket'>,
  auth?: LateAuthenticator,
) {
  return new ApiClient({
    nodes: options.nodes,
    appVersion: options.appVersion,
    authenticator: auth,
    fetch: options.fetch,
    WebSocket: options.WebSocket as WebSocketConstructor | undefined,
  });
}

export class Client implements ClientCore {
  readonly address: string;
  readonly keyring: Keyring;
  readonly api: ApiClient;
  readonly codecs: CodecRegistry;
  readonly contactDirectory: ContactDirectory;
  readonly contacts: Contacts;
  /** This identity's slice of the persistence (keys are prefixed with the address). */
  readonly persistence: Persistence;
  readonly conversations: Conversations;
  /** The private channel between this identity's installs (docs/sync-format.md). */
  readonly deviceSync: DeviceSync;
  /** Counts of expensive operations (invitations and intros opened, messages decrypted). */
  readonly stats: ClientStats = { invitationsOpened: 0, introsOpened: 0, messagesDecrypted: 0 };
  readonly introducedPeers = new Set<string>();
  readonly v1Secrets: V1Secrets;
  readonly inviteOpener: InviteOpener;
  readonly #closers = new Set<() => Promise<void>>();
  readonly #auth: LateAuthenticator;
  readonly #fetch: typeof fetch;
  readonly #nodes: string[];

  private constructor(init: {
    keyring: Keyring;
    api: ApiClient;
    codecs: CodecRegistry;
    contactDirectory: ContactDirectory;
    consent: ConsentManager;
    identityKey: { secretKey: Uint8Array; publicKey: Uint8Array };
    inviteOpener: InviteOpener;
    persistence: Persistence;
    auth: LateAuthenticator;
    options: Pick<ClientOptions, 'nodes' | 'fetch'>;
  }) {
    this.#auth = init.auth;
    this.#nodes = init.options.nodes;
    // Bound: a service worker's fetch throws "Illegal invocation" when called as a method of another object.
    this.#fetch = init.options.fetch ?? ((input, request) => globalThis.fetch(input, request));
    this.keyring = init.keyring;
    this.address = init.keyring.address;
    this.api = init.api;
    this.codecs = init.codecs;
    this.contactDirectory = init.contactDirectory;
    this.contacts = new Contacts(init.consent, (closer) => this.onClose(closer));
    this.persistence = init.persistence;
    this.v1Secrets = new V1Secrets(init.keyring);
    this.inviteOpener = init.inviteOpener;
    this.onClose(() => init.inviteOpener.close());
    this.conversations = new Conversations(this, init.persistence);
    this.deviceSync = new DeviceSync(init.api, init.identityKey);
  }

  /** Creates a client for `signer`'s wallet, or for the given `keyBundle` (docs/protocol.md §12.1). */
  static async create(signer: Signer | null, options: ClientOptions): Promise<Client> {
    const auth = new LateAuthenticator();
    const api = newApi(options, auth);
    const useKeys = (bundle: PrivateKeyBundleV1) => {
      const keyring = Keyring.fromBundle(bundle);
      auth.use(new TokenAuthenticator(bundle.identityKey, keyring.address));
    };
    let bundle: PrivateKeyBundleV1;
    if (options.keyBundle) {
      bundle = decodePrivateKeyBundle(options.keyBundle).bundle;
      useKeys(bundle);
      if (signer) {
        const wallet = toChecksumAddress(await signer.getAddress());
        const owner = Keyring.fromBundle(bundle).address;
        if (wallet !== owner) {
          throw new ProtocolError('wallet_mismatch', `key bundle belongs to ${owner}, not ${wallet}`);
        }
      }
    } else {
      if (!signer) throw new ProtocolError('invalid_options', 'Client.create needs a signer or a keyBundle');
      bundle = await loadOrCreateIdentity(api, signer, {
        keyStorage: options.keyStorage ?? 'network',
        onProgress: options.onProgress,
        useKeys,
      });
    }
    const keyring = Keyring.fromBundle(bundle);
    const persistence = new PrefixedPersistence(
      options.persistence ?? new MemoryPersistence(),
      `${keyring.address}/`,
    );
    const contactDirectory = new ContactDirectory(api);
    if (!options.skipContactPublishing) {
      options.onProgress?.('publish-contact');
      const publishing = contactDirectory.publishOwn(keyring, {
        legacyOnly: options.publishLegacyContact === true,
      });
      if (options.publishContactInBackground) void publishing.catch(() => undefined);
      else await publishing;
    }
    const identityKey = {
      secretKey: bundle.identityKey.secretKey,
      publicKey: bundle.identityKey.publicKey.publicKey,
    };
    // Before the consent list loads, so a worker pool starts meanwhile.
    const inviteOpener = options.inviteOpener
      ? options.inviteOpener({ keyBundle: encodePrivateKeyBundle(bundle), keyring })
      : inThreadOpener(keyring);
    const consent = await ConsentManager.create({ api, identityKey, persistence }).catch(async (error) => {
      await inviteOpener.close();
      throw error;
    });
    return new Client({
      keyring,
      api,
      codecs: createCodecRegistry({ codecs: options.codecs }),
      contactDirectory,
      consent,
      identityKey,
      inviteOpener,
      persistence,
      auth,
      options,
    });
  }

  /**
   * Sends a file (docs/client-api.md §8): inline when it is at most INLINE_ATTACHMENT_MAX_BYTES, else encrypted,
   * uploaded to the attachment store at `uploadUrl` (default: the first node) and sent as a remote attachment.
   */
  async sendAttachment(
    conversation: Conversation,
    attachment: Attachment,
    options: { uploadUrl?: string } & AttachmentProgress = {},
  ): Promise<DecodedMessage> {
    const uploadUrl = options.uploadUrl ?? this.#nodes[0];
    if (!uploadUrl) throw new ProtocolError('invalid_options', 'no node to upload the attachment to');
    const prepared = await prepareAttachment(
      attachment,
      { uploadUrl, getToken: (o) => this.#auth.getToken(o), fetch: this.#fetch },
      options,
    );
    return conversation.send(prepared.content, { contentType: prepared.contentType });
  }

  /** Downloads, checks (digest) and decrypts the file a remote attachment points at. */
  loadAttachment(remote: RemoteAttachment): Promise<Attachment> {
    return loadAttachment(remote, this.codecs, this.#fetch);
  }

  /** Encoded `PrivateKeyBundle{v1}` (plaintext: callers encrypt it). */
  exportKeyBundle(): Uint8Array {
    return encodePrivateKeyBundle(this.keyring.bundle);
  }

  /** `EncryptedPrivateKeyBundle` bytes (§4), unlocked by `signer`'s Enable Identity signature. */
  exportEncryptedKeyBundle(signer: Signer): Promise<Uint8Array> {
    return encryptPrivateKeyBundle(this.keyring.bundle, signer);
  }

  /** Decrypts `EncryptedPrivateKeyBundle` bytes with `signer`; returns the encoded `PrivateKeyBundle`. */
  static async importEncryptedKeyBundle(bytes: Uint8Array, signer: Signer): Promise<Uint8Array> {
    const { bundle } = await decryptPrivateKeyBundle(bytes, signer);
    return encodePrivateKeyBundle(bundle);
  }

  /** Whether `address` (or each of `addresses`, in one batch query) has a valid contact bundle. */
  canMessage(address: string): Promise<boolean>;
  canMessage(addresses: string[]): Promise<boolean[]>;
  canMessage(peer: string | string[]): Promise<boolean | boolean[]> {
    return typeof peer === 'string'
      ? this.contactDirectory.canMessage(peer)
      : this.contactDirectory.canMessageMany(peer);
  }

  /** canMessage without an identity. */
  static canMessage(
    address: string,
    options: Pick<ClientOptions, 'nodes' | 'appVersion' | 'fetch'>,
  ): Promise<boolean>;
  static canMessage(
    addresses: string[],
    options: Pick<ClientOptions, 'nodes' | 'appVersion' | 'fetch'>,
  ): Promise<boolean[]>;
  static canMessage(
    peer: string | string[],
    options: Pick<ClientOptions, 'nodes' | 'appVersion' | 'fetch'>,
  ): Promise<boolean | boolean[]> {
    const directory = new ContactDirectory(newApi(options));
    return typeof peer === 'string' ? directory.canMessage(peer) : directory.canMessageMany(peer);
  }

  /** Registers something `close()` must end (streams). */
  onClose(closer: () => Promise<void>): () => void {
    this.#closers.add(closer);
    return () => this.#closers.delete(closer);
  }

  /** Ends every open stream of this client. */
  async close(): Promise<void> {
    const closers = [...this.#closers];
    this.#closers.clear();
    await Promise.allSettled(closers.map((c) => c()));
  }
}
