// `client.conversations` (docs/protocol.md §8, §12.2, §12.3, §12.5): the V1 (intro) and V2 (invite) lists with
// incremental sync over a persistent cache, new conversations with xmtp-js's dedupe rules, and streams.
import { toChecksumAddress } from '@/protocol/address';
import { toSignedPublicKeyBundle } from '@/protocol/bundles';
import { createInvitation, type ConsentProof } from '@/protocol/invitation';
import { toHex } from '@/protocol/bytes';
import { decodeMessageV1 } from '@/protocol/message-v1';
import { dmTopic, introTopic, inviteTopic, isValidTopic } from '@/protocol/topics';
import type { Envelope } from '@/client/api';
import { recipientNotOnNetwork, selfMessaging } from '@/client/errors';
import type { Persistence } from '@/client/persistence';
import { StreamQueue, type Stream } from '@/client/stream';
import type { Conversation } from './conversation';
import { ConversationV1, ConversationV2 } from './conversation';
import {
  ConversationStore,
  SYNC_OVERLAP_NS,
  type ConversationContext,
  type SyncJob,
  type V1ConversationRecord,
  type V2ConversationRecord,
} from './conversation-store';
import type { ClientCore } from './core';
import type { OpenedInviteRecord } from './invite-opener';
import { prefetching } from './prefetch';
import type { DecodedMessage } from './decoded-message';

const NS_PER_MS = 1_000_000n;
/** Envelopes per parallel slice of a sync's overlap window (one page of the node's 100). */
const SLICE_ENVELOPES = 90;
/** The newest invitations of a list opened and handed on before the rest of their page (the first screen). */
const FIRST_SHOWN = 50;

/**
 * Identifies an envelope already handled by a sync, without hashing it: its timestamp, length and last 24
 * bytes, which end in the AES-GCM tag of its (randomly salted) ciphertext, so two different envelopes
 * share a key only by a 2^-128 accident.
 */
function seenKey(e: Envelope): string {
  return `${e.timestampNs}:${e.message.length}:${toHex(e.message.subarray(-24))}`;
}

/** Message ids a streamAllMessages remembers to drop duplicates. */
const DELIVERED_LIMIT = 10_000;

const compareNs = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

const nowNs = () => BigInt(Date.now()) * NS_PER_MS;

export class Conversations {
  readonly #core: ClientCore;
  readonly #store: ConversationStore;
  readonly #objects = new Map<string, Conversation>();
  readonly #jobs = new Map<SyncJob, Promise<void>>();
  /** Open listStream()s, told of each batch of conversations a sync adds. */
  readonly #listeners = new Set<(batch: Conversation[]) => void>();

  constructor(core: ClientCore, persistence: Persistence) {
    this.#core = core;
    this.#store = new ConversationStore(persistence);
  }

  /** V1 and V2 conversations, oldest first. Fetches only what arrived since the last sync (− 10 s). */
  async list(): Promise<Conversation[]> {
    await this.#store.load();
    await Promise.all([this.#sync('v1'), this.#sync('v2')]);
    await this.#store.save();
    return this.#cached();
  }

  /**
   * The same listing as list(), as it happens: batches of conversations, newest first, each yielded once its
   * invitation (or intro) is verified and opened. The cached conversations come first (one batch), then what
   * the network adds, page by page, V2 invitations from the newest down. Every conversation list() returns
   * comes exactly once; the stream ends when the sync (and its save) is done, or fails with its error.
   * Closing it early stops the batches, not the sync.
   */
  listStream(): Stream<Conversation[]> {
    const queue = new StreamQueue<Conversation[]>();
    const yielded = new Set<string>();
    const listener = (batch: Conversation[]) => {
      const fresh = batch.filter((c) => !yielded.has(c.topic));
      for (const c of fresh) yielded.add(c.topic);
      if (fresh.length > 0) queue.push(fresh);
    };
    queue.setOnClose(() => void this.#listeners.delete(listener));
    void (async () => {
      await this.#store.load();
      // Listening and taking the snapshot in one turn: nothing lands between them unseen.
      this.#listeners.add(listener);
      listener(this.#cached().reverse());
      await Promise.all([this.#sync('v1'), this.#sync('v2')]);
      await this.#store.save();
    })().then(
      () => queue.close(),
      (error: unknown) => queue.fail(error),
    );
    return queue;
  }

  /** The cached conversations without any network call. */
  async listCached(): Promise<Conversation[]> {
    await this.#store.load();
    return this.#cached();
  }

  #cached(): Conversation[] {
    const all: Conversation[] = [];
    for (const r of this.#store.v1.values()) all.push(this.#v1(r));
    for (const r of this.#store.v2.values()) all.push(this.#v2(r));
    return all.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  #v1(r: V1ConversationRecord): Conversation {
    let c = this.#objects.get(r.topic);
    if (!c)
      this.#objects.set(r.topic, (c = new ConversationV1(this.#core, r.topic, r.peerAddress, r.createdNs)));
    return c;
  }

  #v2(r: V2ConversationRecord): Conversation {
    let c = this.#objects.get(r.topic);
    if (!c) {
      c = new ConversationV2(this.#core, r.topic, r.peerAddress, r.createdNs, r.keyMaterial, r.context);
      this.#objects.set(r.topic, c);
    }
    return c;
  }

  /** Runs one sync job, sharing a run already in progress. */
  #sync(job: SyncJob): Promise<void> {
    let running = this.#jobs.get(job);
    if (!running) {
      running = (job === 'v1' ? this.#syncIntros() : this.#syncInvites()).finally(() =>
        this.#jobs.delete(job),
      );
      this.#jobs.set(job, running);
    }
    return running;
  }

  /**
   * Envelopes of a job's topic since its last run − 10 s, newest first, each page's new ones handed to `open`
   * as soon as the page arrives (while the next page is fetched), and `open`'s results to `onPage` in page
   * order; envelopes already handled in that overlap are skipped. Returns every envelope read.
   */
  async #readNew<R>(
    job: SyncJob,
    topic: string,
    open: (envelopes: Envelope[]) => Promise<(R | undefined)[]>,
    onPage: (opened: (R | undefined)[]) => void,
  ): Promise<{ envelopes: Envelope[]; startedNs: bigint }> {
    const state = this.#store.sync[job];
    const startedNs = nowNs();
    const api = this.#core.api;
    const from = state.lastRunNs > SYNC_OVERLAP_NS ? state.lastRunNs - SYNC_OVERLAP_NS : undefined;
    // The overlap is mostly envelopes handled last time. Split it where their timestamps say ~one page
    // lies, and read the slices in parallel: a warm sync then costs about one round trip, not one per 100.
    const times = [...state.seen.values()].filter((ns) => from !== undefined && ns > from).sort(compareNs);
    const bounds: bigint[] = [];
    for (let i = SLICE_ENVELOPES; i < times.length; i += SLICE_ENVELOPES) {
      if (bounds.length === 0 || times[i]! > bounds[bounds.length - 1]!) bounds.push(times[i]!);
    }
    const starts = [from, ...bounds];
    // The newest slice first, so its pages reach onPage first.
    const slices = starts.map((startTimeNs, i) => ({
      startTimeNs,
      endTimeNs: i + 1 < starts.length ? starts[i + 1]! - 1n : undefined,
    }));
    slices.reverse();
    let delivered: Promise<void> = Promise.resolve();
    const parts = await Promise.all(
      slices.map(async (slice, sliceIndex) => {
        // Newest first: a cold list of a large inbox shows its latest conversations first (§12.2).
        const pages = api.queryPages(topic, { direction: 'descending', ...slice });
        const envelopes: Envelope[] = [];
        const opening: Promise<void>[] = [];
        let first = sliceIndex === 0;
        for await (const page of prefetching(pages)) {
          envelopes.push(...page);
          const fresh = page.filter((e) => !state.seen.has(seenKey(e)));
          // The newest page's first FIRST_SHOWN on their own: a cold list shows them before the rest is open.
          const batches =
            first && fresh.length > FIRST_SHOWN
              ? [fresh.slice(0, FIRST_SHOWN), fresh.slice(FIRST_SHOWN)]
              : [fresh];
          first = false;
          for (const batch of batches) {
            const opened = open(batch);
            // In page order, each part as soon as it and every part before it is open.
            delivered = delivered.then(() => opened.then(onPage));
            opening.push(delivered);
          }
        }
        await Promise.all(opening);
        return envelopes;
      }),
    );
    await delivered;
    return { envelopes: parts.flat(), startedNs };
  }

  /** Records a finished run: its start time, and the ids inside the next run's overlap window. */
  #finishRun(job: SyncJob, envelopes: Envelope[], startedNs: bigint): void {
    const state = this.#store.sync[job];
    const windowStart = startedNs - SYNC_OVERLAP_NS;
    // Keep only what the next overlap can return again; older ids cannot come back.
    const seen = new Map<string, bigint>();
    for (const [id, ns] of state.seen) if (ns >= windowStart) seen.set(id, ns);
    for (const e of envelopes) if (e.timestampNs >= windowStart) seen.set(seenKey(e), e.timestampNs);
    state.seen = seen;
    state.lastRunNs = startedNs;
  }

  /**
   * V2: open new invitations from our invite topic (§8.3), all their signatures checked, on the client's
   * invite opener (a worker pool where the host gives one); the earliest invitation for a topic wins.
   */
  async #syncInvites(): Promise<void> {
    const consenting: string[] = [];
    const { envelopes, startedNs } = await this.#readNew(
      'v2',
      inviteTopic(this.#core.address),
      (page) => this.#openInvites(page),
      (opened) => {
        const added: Conversation[] = [];
        for (const record of opened) {
          if (!record) continue;
          const change = this.#addV2(record);
          if (change === 'new' && record.grantsConsent) consenting.push(record.peerAddress);
          if (change === 'new') added.push(this.#v2(record));
        }
        this.#announce(added);
      },
    );
    this.#finishRun('v2', envelopes, startedNs);
    await this.#allowConsenting(consenting);
  }

  /** Adds an opened invitation to the cache; a later copy of a known topic changes nothing. */
  #addV2(record: V2ConversationRecord): 'new' | 'replaced' | 'kept' {
    const known = this.#store.v2.get(record.topic);
    const stored = this.#store.addV2(record);
    if (!known) return 'new';
    if (stored === known) return 'kept';
    // An earlier invitation for the topic, read after a later one (the list reads newest first).
    this.#objects.delete(record.topic);
    return 'replaced';
  }

  #announce(batch: Conversation[]): void {
    if (batch.length === 0) return;
    for (const listener of this.#listeners) listener(batch);
  }

  #openInvites(envelopes: Envelope[]): Promise<(OpenedInviteRecord | undefined)[]> {
    this.#core.stats.invitationsOpened += envelopes.length;
    return this.#core.inviteOpener.open(envelopes);
  }

  /**
   * Peers whose invitation carries our wallet's valid consent proof are allowed when we have no decision
   * for them yet (§11, xmtp-js `validateConsentSignature`). Consent is best effort: it never fails a list.
   */
  async #allowConsenting(peers: string[]): Promise<void> {
    const unknown = [...new Set(peers)].filter((p) => this.#core.contacts.consentState(p) === 'unknown');
    if (unknown.length > 0) await this.#core.contacts.allow(unknown).catch(() => undefined);
  }

  /** V1: intros that decrypt make conversations with their peer, keeping the earliest time (§12.2). */
  async #syncIntros(): Promise<void> {
    const { envelopes, startedNs } = await this.#readNew(
      'v1',
      introTopic(this.#core.address),
      (page) => Promise.all(page.map((e) => this.#openIntro(e))),
      (opened) => {
        const added: Conversation[] = [];
        for (const record of opened) {
          if (!record) continue;
          const isNew = !this.#store.v1.has(record.topic);
          const stored = this.#store.addV1(record);
          if (isNew) added.push(this.#v1(stored));
        }
        this.#announce(added);
      },
    );
    this.#finishRun('v1', envelopes, startedNs);
  }

  async #openIntro(envelope: Envelope): Promise<V1ConversationRecord | undefined> {
    try {
      this.#core.stats.introsOpened++;
      const m = decodeMessageV1(envelope.message);
      await this.#core.v1Secrets.decrypt(m);
      const me = this.#core.address;
      const peer =
        m.recipientAddress.toLowerCase() === me.toLowerCase() ? m.senderAddress : m.recipientAddress;
      if (peer === me) return undefined;
      const topic = dmTopic(me, peer);
      if (!isValidTopic(topic)) return undefined;
      return { topic, peerAddress: peer, createdNs: m.timestampMs * NS_PER_MS };
    } catch {
      return undefined;
    }
  }

  #findV2(peer: string, conversationId: string | undefined): V2ConversationRecord | undefined {
    for (const r of this.#store.v2.values()) {
      if (r.peerAddress.toLowerCase() === peer.toLowerCase() && r.context?.conversationId === conversationId)
        return r;
    }
    return undefined;
  }

  /**
   * The conversation with `peer` (and `context.conversationId`), reusing an existing one per §8.4 and
   * §12.3, else creating it: V1 when the peer only has a V1 contact bundle and no conversationId is
   * given, otherwise a V2 invitation. Throws `self_messaging`, `recipient_not_on_network`.
   */
  async newConversation(
    peerAddress: string,
    context?: { conversationId: string; metadata?: Record<string, string> },
    consentProof?: ConsentProof,
  ): Promise<Conversation> {
    const peer = toChecksumAddress(peerAddress);
    const conversationId = context?.conversationId;
    await this.#store.load();
    const existing = this.#findV2(peer, conversationId);
    if (existing) return this.#v2(existing);
    if (peer === this.#core.address) throw selfMessaging();
    const contact = await this.#core.contactDirectory.get(peer);
    if (!contact) throw recipientNotOnNetwork(peer);

    if (conversationId === undefined) {
      if (contact.version === 'v1')
        return this.#v1(
          this.#store.v1.get(dmTopic(this.#core.address, peer)) ?? {
            topic: dmTopic(this.#core.address, peer),
            peerAddress: peer,
            createdNs: nowNs(),
          },
        );
      // An existing V1 conversation with this peer continues (§12.3 step 4).
      await this.#sync('v1');
      const v1 = this.#store.v1.get(dmTopic(this.#core.address, peer));
      if (v1) return this.#v1(v1);
    }
    // Someone may have invited us meanwhile: re-scan invitations before creating one (§8.4).
    await this.#sync('v2');
    const found = this.#findV2(peer, conversationId);
    if (found) {
      await this.#store.save();
      return this.#v2(found);
    }
    const peerBundle =
      contact.version === 'v2' ? contact.keyBundle : toSignedPublicKeyBundle(contact.keyBundle);
    const ctx: ConversationContext | undefined = context
      ? { conversationId: context.conversationId, metadata: { ...(context.metadata ?? {}) } }
      : undefined;
    const created = await createInvitation(this.#core.keyring, peerBundle, { context: ctx, consentProof });
    // One publish, the peer's invite topic first, then ours; both stamped with the header's created_ns (§8.2).
    await this.#core.api.publish([
      {
        contentTopic: inviteTopic(created.peerAddress),
        timestampNs: created.createdNs,
        message: created.sealed,
      },
      {
        contentTopic: inviteTopic(this.#core.address),
        timestampNs: created.createdNs,
        message: created.sealed,
      },
    ]);
    const record: V2ConversationRecord = {
      topic: created.invitation.topic,
      peerAddress: created.peerAddress,
      createdNs: created.createdNs,
      keyMaterial: created.invitation.keyMaterial,
    };
    if (ctx) record.context = ctx;
    const isNew = this.#addV2(record) === 'new';
    const conversation = this.#v2(this.#store.v2.get(record.topic)!);
    if (isNew) this.#announce([conversation]);
    await this.#store.save();
    await this.#core.contacts.allowIfUnknown(peer).catch(() => undefined);
    return conversation;
  }

  /**
   * A conversation for an envelope on our intro or invite topic, if it is new to the cache; also adds it
   * to the cache. Returns `[conversation, isNew]`, or undefined when the envelope is unreadable.
   */
  async #fromEnvelope(envelope: Envelope): Promise<[Conversation, boolean] | undefined> {
    await this.#store.load();
    if (envelope.contentTopic === inviteTopic(this.#core.address)) {
      const [record] = await this.#openInvites([envelope]);
      if (!record) return undefined;
      const isNew = this.#addV2(record) === 'new';
      const stored = this.#store.v2.get(record.topic)!;
      const conversation = this.#v2(stored);
      if (isNew) {
        this.#announce([conversation]);
        await this.#store.save();
        if (record.grantsConsent) await this.#allowConsenting([record.peerAddress]);
      }
      return [conversation, isNew];
    }
    const record = await this.#openIntro(envelope);
    if (!record) return undefined;
    const isNew = !this.#store.v1.has(record.topic);
    const conversation = this.#v1(this.#store.addV1(record));
    if (isNew) {
      this.#announce([conversation]);
      await this.#store.save();
    }
    return [conversation, isNew];
  }

  /** New conversations as invitations and intros arrive (§12.5); each topic once per stream. */
  stream(): Stream<Conversation> {
    const queue = new StreamQueue<Conversation>();
    const yielded = new Set<string>();
    let chain: Promise<unknown> = Promise.resolve();
    const own = [introTopic(this.#core.address), inviteTopic(this.#core.address)];
    // From the moment of the call, not from when the node registers the topics: an invitation landing in
    // between is caught up when the subscription opens.
    const fromNs = nowNs();
    const subscription = this.#core.api.subscribe(
      own,
      (envelope) => {
        chain = chain
          .then(async () => {
            const found = await this.#fromEnvelope(envelope);
            if (!found || yielded.has(found[0].topic)) return;
            yielded.add(found[0].topic);
            queue.push(found[0]);
          })
          // A failure (say, persistence) must not stall the chain: later envelopes still come through.
          .catch(() => undefined);
      },
      { since: Object.fromEntries(own.map((topic) => [topic, fromNs])) },
    );
    const unregister = this.#core.onClose(() => queue.close());
    queue.setOnClose(async () => {
      unregister();
      await subscription.close();
    });
    return queue;
  }

  /**
   * Messages of every conversation, including conversations that appear while the stream is open: their
   * topics join the same subscription (no restart), and a new conversation's history is fetched once.
   * Each message id is delivered once, whichever topic (intro or dm) carried it. `onConnection` hears whether
   * the stream is live (the node registered its topics) or waiting to reconnect; `onConversation` hears of each
   * conversation the stream adds (from an invitation, an intro or the network list), so one subscription can
   * serve both, as the extension's worker does.
   */
  streamAllMessages(
    options: {
      onConnection?(connected: boolean): void;
      onConversation?(conversation: Conversation): void;
    } = {},
  ): Stream<DecodedMessage> {
    const queue = new StreamQueue<DecodedMessage>();
    const core = this.#core;
    const own = [introTopic(core.address), inviteTopic(core.address)];
    const delivered = new Set<string>();
    const byTopic = new Map<string, Conversation>();
    let subscription: ReturnType<typeof core.api.subscribeMany> | undefined;
    let closed = false;
    let chain: Promise<unknown> = Promise.resolve();

    const emit = (message: DecodedMessage) => {
      if (delivered.has(message.id)) return;
      delivered.add(message.id);
      // Duplicates only come close together (intro and dm copies, catch-up overlap): a bounded memory will do.
      if (delivered.size > DELIVERED_LIMIT) delivered.delete(delivered.values().next().value!);
      queue.push(message);
    };
    const announce = (conversation: Conversation) => {
      try {
        options.onConversation?.(conversation);
      } catch {
        // The caller's callback must not break the stream.
      }
    };
    const addTopic = async (conversation: Conversation, sinceNs: bigint) => {
      if (byTopic.has(conversation.topic) || !subscription || closed) return;
      byTopic.set(conversation.topic, conversation);
      announce(conversation);
      await subscription.setTopics([...own, ...byTopic.keys()], { since: { [conversation.topic]: sinceNs } });
    };
    const handle = async (envelope: Envelope) => {
      const topic = envelope.contentTopic;
      const conversation = byTopic.get(topic);
      if (conversation) return emit(await conversation.decode(envelope));
      if (topic === inviteTopic(core.address)) {
        const found = await this.#fromEnvelope(envelope);
        // A new V2 conversation's whole history is fetched once (§12.5).
        if (found) void addTopic(found[0], 0n).catch(() => undefined);
        return;
      }
      if (topic === introTopic(core.address)) {
        const found = await this.#fromEnvelope(envelope);
        if (!found) return;
        const [v1] = found;
        // Announce the conversation before its first message: the intro copy is that message, and the dm copy
        // (same id) is then skipped.
        const adding = addTopic(v1, envelope.timestampNs);
        emit(await v1.decode(envelope));
        void adding.catch(() => undefined);
      }
    };

    const start = async () => {
      // The stream owns everything from this moment on, and every topic catches up from here when the
      // subscription opens (duplicates are dropped by id): nothing landing between a list and the
      // subscription is lost.
      const fromNs = nowNs();
      // Subscribe at once on what the cache knows (also offline: a worker waking without network connects
      // when the node is back), and let list() add what the network knows beside it, off the critical path.
      const cached = await this.listCached();
      if (closed) return;
      for (const c of cached) byTopic.set(c.topic, c);
      const topics = [...own, ...byTopic.keys()];
      const since: Record<string, bigint> = Object.fromEntries(topics.map((t) => [t, fromNs]));
      // Invitations are stamped by their sender's clock, which may lag: reach back as far as list() does
      // (§12.2). Re-reading a known invitation only finds its conversation already streamed.
      since[inviteTopic(core.address)] = fromNs - SYNC_OVERLAP_NS;
      // Spread over several connections when the inbox has more conversations than one stream may hold.
      subscription = core.api.subscribeMany(
        topics,
        (envelope) => {
          chain = chain.then(() => handle(envelope)).catch(() => undefined);
        },
        { since },
      );
      const { onConnection } = options;
      if (onConnection) {
        subscription.on('connected', () => onConnection(true));
        subscription.on('disconnected', () => onConnection(false));
      }
      const listed = await this.list().catch(() => []);
      const found = listed.filter((c) => !byTopic.has(c.topic));
      if (closed || found.length === 0) return;
      for (const c of found) {
        byTopic.set(c.topic, c);
        announce(c);
      }
      await subscription.setTopics([...own, ...byTopic.keys()], {
        since: Object.fromEntries(found.map((c) => [c.topic, fromNs])),
      });
    };
    const started = start().catch((error: unknown) => queue.fail(error));
    const unregister = core.onClose(() => queue.close());
    queue.setOnClose(async () => {
      closed = true;
      unregister();
      await started;
      await subscription?.close();
    });
    return queue;
  }
}
