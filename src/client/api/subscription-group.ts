// More topics than one subscription may hold (a node takes at most MAX_TOPICS per stream, docs/node-api.md §5):
// a streamAllMessages of an inbox of 10,000 conversations needs 10,002 topics. The group spreads them over as
// many subscriptions as it takes, each with its own connection, reconnects and catch-up (subscription.ts). A
// topic stays in the subscription it was given until it is removed, so a topic change never moves a topic
// between connections (which would open a gap); new topics go where there is room, or to a new subscription.
import {
  MAX_TOPICS,
  type Subscription,
  type SubscribeOptions,
  type SubscriptionEvents,
} from './subscription';

type Events = Pick<SubscriptionEvents, 'connected' | 'disconnected' | 'caught-up' | 'error'>;
type Listener<K extends keyof Events> = (event: Events[K]) => void;

interface Member {
  subscription: Subscription;
  /** Its share of the topics: what it was last told to stream. */
  topics: Set<string>;
  connected: boolean;
}

/** Makes one subscription (ApiClient.subscribe, with the group's envelope callback and options). */
export type SubscribeFn = (topics: string[], since: Record<string, bigint> | undefined) => Subscription;

const pick = (since: Record<string, bigint> | undefined, topics: Iterable<string>) => {
  if (!since) return undefined;
  const out: Record<string, bigint> = {};
  for (const topic of topics) if (since[topic] !== undefined) out[topic] = since[topic];
  return out;
};

export class SubscriptionGroup {
  readonly #members: Member[] = [];
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();
  readonly #subscribe: SubscribeFn;
  readonly #perMember: number;
  /** Every member connected (told once as `connected`; a member's drop is told as `disconnected`). */
  #connected = false;
  #closed = false;

  constructor(
    subscribe: SubscribeFn,
    topics: string[],
    options: Pick<SubscribeOptions, 'since'> & { perMember?: number } = {},
  ) {
    this.#subscribe = subscribe;
    this.#perMember = options.perMember ?? MAX_TOPICS;
    const unique = [...new Set(topics)];
    for (let i = 0; i === 0 || i < unique.length; i += this.#perMember)
      this.#add(unique.slice(i, i + this.#perMember), options.since);
  }

  get topics(): string[] {
    return this.#members.flatMap((m) => [...m.topics]);
  }

  /** How many subscriptions (connections) the topics are spread over. */
  get size(): number {
    return this.#members.length;
  }

  on<K extends keyof Events>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  /**
   * Replaces the topic set, like Subscription.setTopics: added topics are caught up from `since[topic]`, or else
   * from the moment of this call. Resolves once every change is in effect.
   */
  async setTopics(topics: string[], opts: { since?: Record<string, bigint> } = {}): Promise<void> {
    const wanted = new Set(topics);
    const changed = new Set<Member>();
    for (const member of this.#members)
      for (const topic of member.topics)
        if (!wanted.has(topic)) {
          member.topics.delete(topic);
          changed.add(member);
        }
    const placed = new Set(this.topics);
    const homeless: string[] = [];
    for (const topic of wanted) {
      if (placed.has(topic)) continue;
      const member = this.#members.find((m) => m.topics.size < this.#perMember);
      if (!member) homeless.push(topic);
      else {
        member.topics.add(topic);
        changed.add(member);
      }
    }
    const work: Promise<void>[] = [];
    for (const member of changed) {
      // A subscription left with no topics ends (one always stays: the group streams on it when topics come).
      if (member.topics.size === 0 && this.#members.length > 1) {
        this.#members.splice(this.#members.indexOf(member), 1);
        work.push(member.subscription.close());
        continue;
      }
      work.push(
        member.subscription.setTopics([...member.topics], { since: pick(opts.since, member.topics) ?? {} }),
      );
    }
    for (let i = 0; i < homeless.length; i += this.#perMember) {
      const member = this.#add(homeless.slice(i, i + this.#perMember), opts.since);
      // In effect once it has connected and caught up, as a change on an open connection is.
      if (this.#connected) work.push(member.subscription.once('caught-up').then(() => undefined));
    }
    await Promise.all(work);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#members.map((m) => m.subscription.close()));
  }

  #add(topics: string[], since: Record<string, bigint> | undefined): Member {
    const member: Member = {
      subscription: this.#subscribe(topics, pick(since, topics)),
      topics: new Set(topics),
      connected: false,
    };
    this.#members.push(member);
    const { subscription } = member;
    subscription.on('connected', (event) => {
      member.connected = true;
      if (!this.#connected && this.#members.every((m) => m.connected)) {
        this.#connected = true;
        this.#emit('connected', event);
      }
    });
    subscription.on('disconnected', (event) => {
      member.connected = false;
      if (!this.#connected || this.#closed) return;
      this.#connected = false;
      this.#emit('disconnected', event);
    });
    subscription.on('caught-up', (event) => this.#emit('caught-up', event));
    subscription.on('error', (event) => this.#emit('error', event));
    return member;
  }

  #emit<K extends keyof Events>(event: K, data: Events[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<K>)(data);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }
}
