// One conversation (docs/client-api.md §4): send, page through and stream its messages. V2 conversations use the
// invitation's key material (§9); V1 conversations a 3DH with the peer's contact bundle (§7).
import { toPublicKeyBundle, type PublicKeyBundle } from '@/protocol/bundles';
import { Compression, ContentTypeText, type ContentTypeId } from '@/protocol/content';
import { ProtocolError } from '@/protocol/errors';
import { messageId } from '@/protocol/message';
import { checkMessageV1Topic, decodeMessageV1, encodeMessageV1 } from '@/protocol/message-v1';
import { encodeMessageV2, type V2ConversationKeys } from '@/protocol/message-v2';
import { ephemeralTopic, introTopic } from '@/protocol/topics';
import type { Envelope } from '@/client/api';
import { recipientNotOnNetwork } from '@/client/errors';
import { StreamQueue, type Stream } from '@/client/stream';
import type { ClientCore } from './core';
import { prefetching } from './prefetch';
import type { ConversationContext } from './conversation-store';
import {
  buildMessage,
  failedMessage,
  nsToDate,
  openPayloadV2,
  type DecodedMessage,
  type OpenedPayload,
} from './decoded-message';

export interface SendOptions {
  contentType?: ContentTypeId;
  compression?: 'deflate' | 'gzip';
  ephemeral?: boolean;
}

export interface MessagesOptions {
  limit?: number;
  direction?: 'ascending' | 'descending';
  startTime?: Date;
  endTime?: Date;
  /** Envelopes per query (and per decryption batch); default 100. */
  pageSize?: number;
}

const NS_PER_MS = 1_000_000n;
const toNs = (d: Date | undefined) => (d ? BigInt(d.getTime()) * NS_PER_MS : undefined);

export abstract class Conversation {
  abstract readonly version: 'v1' | 'v2';
  readonly createdAt: Date;

  constructor(
    protected readonly core: ClientCore,
    readonly topic: string,
    readonly peerAddress: string,
    createdNs: bigint,
    readonly context?: ConversationContext,
  ) {
    this.createdAt = nsToDate(createdNs);
  }

  /** Opens one envelope of this conversation: sender, time and EncodedContent bytes. Throws when unreadable. */
  protected abstract open(envelope: Envelope): Promise<OpenedPayload>;

  /** Encrypts and publishes `payload`; returns the envelope published. */
  protected abstract publish(payload: Uint8Array, shouldPush: boolean, ephemeral: boolean): Promise<Envelope>;

  /** Decodes one envelope into a message, or a message carrying `error`. */
  async decode(envelope: Envelope): Promise<DecodedMessage> {
    let opened: OpenedPayload;
    try {
      opened = await this.open(envelope);
    } catch (error) {
      return failedMessage(this, envelope, error);
    }
    return this.opened(envelope, opened);
  }

  /** The message of an envelope opened (here or on a worker), counted as decrypted. */
  protected opened(envelope: Envelope, opened: OpenedPayload): DecodedMessage {
    this.core.stats.messagesDecrypted++;
    return buildMessage(this, this.core.codecs, envelope, opened);
  }

  /** Decodes a page: every envelope in parallel, one result each, in the page's order. */
  decodeAll(envelopes: Envelope[]): Promise<DecodedMessage[]> {
    return Promise.all(envelopes.map((e) => this.decode(e)));
  }

  async send(content: unknown, options: SendOptions = {}): Promise<DecodedMessage> {
    const contentType = options.contentType ?? ContentTypeText;
    const compression =
      options.compression === undefined
        ? undefined
        : options.compression === 'gzip'
          ? Compression.Gzip
          : Compression.Deflate;
    const encoded = await this.core.codecs.encodeContent(content, contentType, { compression });
    const envelope = await this.publish(encoded.bytes, encoded.shouldPush, options.ephemeral === true);
    // xmtp-js allows a peer it has no consent decision for after sending to them (§12.4). A failure
    // here must not turn a delivered message into an error.
    await this.core.contacts.allowIfUnknown(this.peerAddress).catch(() => undefined);
    const message: DecodedMessage = {
      id: messageId(envelope.message),
      topic: this.topic,
      senderAddress: this.core.address,
      sent: nsToDate(envelope.timestampNs),
      contentType,
      content,
      conversation: this,
    };
    if (encoded.encoded.fallback !== undefined) message.fallback = encoded.encoded.fallback;
    return message;
  }

  /** Messages of this conversation, both directions, decoded per page. Default ascending, all. */
  async messages(options: MessagesOptions = {}): Promise<DecodedMessage[]> {
    const out: DecodedMessage[] = [];
    for await (const page of this.messagePages(options)) out.push(...page);
    return out;
  }

  async *messagePages(options: MessagesOptions = {}): AsyncGenerator<DecodedMessage[]> {
    const pages = this.core.api.queryPages(this.topic, {
      direction: options.direction ?? 'ascending',
      limit: options.limit,
      pageSize: options.pageSize,
      startTimeNs: toNs(options.startTime),
      endTimeNs: toNs(options.endTime),
    });
    // The next page is fetched while this one decodes, so the network wait hides behind the crypto.
    for await (const page of prefetching(pages)) yield await this.decodeAll(page);
  }

  /** New messages of this conversation as they are published. */
  stream(): Stream<DecodedMessage> {
    return this.streamTopic(this.topic);
  }

  /** Ephemeral messages (dmE-/mE- topic: relayed, never stored). */
  streamEphemeral(): Stream<DecodedMessage> {
    return this.streamTopic(ephemeralTopic(this.topic));
  }

  private streamTopic(topic: string): Stream<DecodedMessage> {
    const queue = new StreamQueue<DecodedMessage>();
    // Decoding is async: chain it so messages come out in arrival order.
    let chain: Promise<unknown> = Promise.resolve();
    const subscription = this.core.api.subscribe([topic], (envelope) => {
      // A failure must not stall the chain: later envelopes still come through.
      chain = chain.then(async () => queue.push(await this.decode(envelope))).catch(() => undefined);
    });
    const unregister = this.core.onClose(() => queue.close());
    queue.setOnClose(async () => {
      unregister();
      await subscription.close();
    });
    return queue;
  }
}

/** A V2 conversation: topic and key material from its invitation (§8, §9). */
export class ConversationV2 extends Conversation {
  readonly version = 'v2' as const;

  constructor(
    core: ClientCore,
    topic: string,
    peerAddress: string,
    createdNs: bigint,
    readonly keyMaterial: Uint8Array,
    context?: ConversationContext,
  ) {
    super(core, topic, peerAddress, createdNs, context);
  }

  /** What opens this conversation's messages, here or on a worker. */
  private get keys(): V2ConversationKeys {
    return { topic: this.topic, keyMaterial: this.keyMaterial };
  }

  protected open(envelope: Envelope): Promise<OpenedPayload> {
    return openPayloadV2(this.keys, envelope.message);
  }

  /** A page on the host's worker pool when it has one ready (ClientOptions.inviteOpener), else on this thread. */
  override async decodeAll(envelopes: Envelope[]): Promise<DecodedMessage[]> {
    const results = await this.core.inviteOpener.openMessagesV2?.(
      this.keys,
      envelopes.map((e) => e.message),
    );
    if (!results) return super.decodeAll(envelopes);
    return envelopes.map((envelope, i) => {
      const result = results[i]!;
      return 'error' in result
        ? failedMessage(this, envelope, new ProtocolError(result.error.code, result.error.message))
        : this.opened(envelope, result);
    });
  }

  protected async publish(payload: Uint8Array, shouldPush: boolean, ephemeral: boolean): Promise<Envelope> {
    const m = await encodeMessageV2(
      this.core.keyring,
      { topic: this.topic, keyMaterial: this.keyMaterial },
      payload,
      { shouldPush },
    );
    const envelope = {
      contentTopic: ephemeral ? ephemeralTopic(this.topic) : this.topic,
      timestampNs: m.createdNs,
      message: m.messageBytes,
    };
    await this.core.api.publish([envelope]);
    return envelope;
  }
}

/** A V1 conversation on the dm topic of the two addresses (§7). */
export class ConversationV1 extends Conversation {
  readonly version = 'v1' as const;

  protected async open(envelope: Envelope): Promise<OpenedPayload> {
    const m = decodeMessageV1(envelope.message);
    // Intro copies arrive on intro topics; the spoof filter applies to the conversation's own topics.
    checkMessageV1Topic(m, envelope.contentTopic.includes('/intro-') ? this.topic : envelope.contentTopic);
    const payload = await this.core.v1Secrets.decrypt(m);
    return { senderAddress: m.senderAddress, sentNs: m.timestampMs * NS_PER_MS, payload };
  }

  private async peerBundle(): Promise<PublicKeyBundle> {
    const contact = await this.core.contactDirectory.get(this.peerAddress);
    if (!contact) throw recipientNotOnNetwork(this.peerAddress);
    if (contact.version === 'v1') return contact.keyBundle;
    try {
      return toPublicKeyBundle(contact.keyBundle);
    } catch (cause) {
      throw new ProtocolError(
        'incompatible_keys',
        `cannot continue the V1 conversation with ${this.peerAddress}: their keys are not V1-compatible`,
        { cause },
      );
    }
  }

  protected async publish(payload: Uint8Array, _shouldPush: boolean, ephemeral: boolean): Promise<Envelope> {
    const m = await encodeMessageV1(this.core.keyring, await this.peerBundle(), payload);
    const topic = ephemeral ? ephemeralTopic(this.topic) : this.topic;
    const envelope = { contentTopic: topic, timestampNs: m.timestampNs, message: m.messageBytes };
    const first = !this.core.introducedPeers.has(this.peerAddress);
    // The first send of this client instance to a peer also goes to both intro topics, same bytes,
    // one publish: the peer's intro, ours, then the dm (or dmE) topic (§7.3).
    const envelopes = first
      ? [
          { ...envelope, contentTopic: introTopic(this.peerAddress) },
          { ...envelope, contentTopic: introTopic(this.core.address) },
          envelope,
        ]
      : [envelope];
    await this.core.api.publish(envelopes);
    this.core.introducedPeers.add(this.peerAddress);
    return envelope;
  }
}
