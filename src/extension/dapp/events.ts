// Events for pages that called xmtp_subscribe: `message` and `conversation`, only within the origin's grant
// (checked at every delivery, so a revocation cuts them at once). They are derived from the InboxService's
// updates, which name a topic but not the message: the cache is read back and what a connection has not been
// sent yet is delivered.
import type { InboxService } from '@/extension/inbox/contract';
import { PERMISSIONS_CHANGED_EVENT, type DappEvent, type Grant } from '@/extension/messages/dapp';
import type { PermissionStore } from './permissions';
import { conversationInScope, findGrant } from './scope';
import { toDappConversation, toDappMessage } from './shapes';

/** One page's connection (its content script's port). */
export interface DappConnection {
  origin: string;
  tabId?: number;
  send(event: string, data: unknown): void;
}

export interface DappEvents {
  /** A page connected: it hears of its origin's permission changes even without subscriptions. */
  connect(connection: DappConnection): void;
  /** The page went away: its subscriptions end. */
  disconnect(connection: DappConnection): void;
  /** Adds events for a connection; returns all it is subscribed to. */
  subscribe(connection: DappConnection, events: DappEvent[]): DappEvent[];
  /** Removes events (all when absent); returns what is left. */
  unsubscribe(connection: DappConnection, events?: DappEvent[]): DappEvent[];
  /**
   * Another account is active: every page hears its origin's grants for that account, and subscriptions without
   * read access there end (the account before's events never reach it again).
   */
  accountChanged(): Promise<void>;
}

/** Messages a little older than the subscription still count as new: they may arrive late from the network. */
const LATE_ARRIVAL_MS = 30_000;
const RECENT_MESSAGES = 20;
const SEEN_LIMIT = 2_000;

interface Subscription {
  events: Set<DappEvent>;
  since: number;
  seenMessages: Set<string>;
  seenConversations: Set<string>;
}

export function createDappEvents(deps: {
  service: InboxService;
  permissions: PermissionStore;
  now?: () => number;
}): DappEvents {
  const { service, permissions } = deps;
  const now = deps.now ?? Date.now;
  const subscriptions = new Map<DappConnection, Subscription>();
  const connections = new Set<DappConnection>();

  const remember = (set: Set<string>, key: string) => {
    set.add(key);
    if (set.size > SEEN_LIMIT) set.delete(set.values().next().value!);
  };

  async function readGrant(origin: string): Promise<Grant | undefined> {
    return findGrant(await permissions.get(origin), 'inbox:read');
  }

  async function deliverMessages(topic: string) {
    const listening = [...subscriptions].filter(([, s]) => s.events.has('message'));
    if (!listening.length) return;
    const conversation = await service.getConversation(topic);
    if (!conversation) return;
    const recent = await service.listMessages(topic, { limit: RECENT_MESSAGES });
    for (const [connection, subscription] of listening) {
      const grant = await readGrant(connection.origin);
      if (!grant || !conversationInScope(grant, conversation) || !subscriptions.has(connection)) continue;
      for (const message of recent) {
        if (message.status !== 'sent' || subscription.seenMessages.has(message.id)) continue;
        if (message.sentAt < subscription.since - LATE_ARRIVAL_MS) continue;
        remember(subscription.seenMessages, message.id);
        connection.send('message', toDappMessage(message));
      }
    }
  }

  /**
   * After "conversations changed": new conversations for `conversation` listeners, and for `message` listeners
   * any conversation whose last message they have not been sent. Only the named topics are read: the service
   * names the one conversation an incoming message, a send or a new invitation touched, so a chatty inbox costs
   * one lookup per update, not a walk over every conversation. `'all'` walks them all: after a catch-up from the
   * network (refresh, unlock), which may have found conversations no stream announced (its messages come as
   * `messages` updates per topic), and when a page subscribes, for the messages of the late-arrival window it
   * missed while it had no subscription (e.g. across a worker restart).
   */
  async function deliverConversations(topics: string[] | 'all') {
    const listening = [...subscriptions];
    if (!listening.length) return;
    const conversations =
      topics === 'all'
        ? await service.listConversations()
        : (await Promise.all([...new Set(topics)].map((topic) => service.getConversation(topic)))).filter(
            (conversation) => conversation !== null,
          );
    const missed = new Set<string>();
    for (const [connection, subscription] of listening) {
      const grant = await readGrant(connection.origin);
      if (!grant || !subscriptions.has(connection)) continue;
      for (const conversation of conversations) {
        if (!conversationInScope(grant, conversation)) continue;
        const last = conversation.lastMessage;
        if (
          subscription.events.has('message') &&
          last &&
          last.sentAt >= subscription.since - LATE_ARRIVAL_MS &&
          !subscription.seenMessages.has(last.id)
        ) {
          missed.add(conversation.topic);
        }
        if (
          !subscription.events.has('conversation') ||
          subscription.seenConversations.has(conversation.topic)
        )
          continue;
        if (conversation.createdAt < subscription.since - LATE_ARRIVAL_MS) continue;
        remember(subscription.seenConversations, conversation.topic);
        connection.send('conversation', toDappConversation(conversation));
      }
    }
    for (const topic of missed) await deliverMessages(topic);
  }

  // One update at a time, in order, so two updates of a topic cannot deliver a message twice.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch(() => undefined);
  };
  service.subscribe((update) => {
    if (!subscriptions.size) return;
    if (update.kind === 'messages') enqueue(() => deliverMessages(update.topic));
    else if (update.kind === 'conversations') enqueue(() => deliverConversations(update.topics));
  });

  function grantsChanged(connection: DappConnection, grants: Grant[]) {
    const subscription = subscriptions.get(connection);
    if (subscription && !findGrant(grants, 'inbox:read')) subscriptions.delete(connection);
    connection.send(PERMISSIONS_CHANGED_EVENT, grants);
  }

  // A change of grants (revoked in settings or by the page) is pushed to the origin's pages; without read access
  // their subscriptions end.
  permissions.onChange((origin, grants) => {
    for (const connection of connections) if (connection.origin === origin) grantsChanged(connection, grants);
  });

  return {
    connect(connection) {
      connections.add(connection);
    },
    disconnect(connection) {
      connections.delete(connection);
      subscriptions.delete(connection);
    },
    subscribe(connection, events) {
      connections.add(connection);
      const subscription = subscriptions.get(connection) ?? {
        events: new Set<DappEvent>(),
        since: now(),
        seenMessages: new Set<string>(),
        seenConversations: new Set<string>(),
      };
      for (const event of events) subscription.events.add(event);
      subscriptions.set(connection, subscription);
      // A page resubscribing after a worker restart may have missed messages while it had no subscription:
      // deliver what it has not been sent from the late-arrival window at once.
      if (events.includes('message')) enqueue(() => deliverConversations('all'));
      return [...subscription.events];
    },
    async accountChanged() {
      for (const connection of [...connections])
        grantsChanged(connection, await permissions.get(connection.origin));
    },
    unsubscribe(connection, events) {
      const subscription = subscriptions.get(connection);
      if (!subscription) return [];
      for (const event of events ?? [...subscription.events]) subscription.events.delete(event);
      if (!subscription.events.size) subscriptions.delete(connection);
      return [...subscription.events];
    },
  };
}
