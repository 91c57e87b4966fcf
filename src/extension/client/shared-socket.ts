// One WebSocket per node for every account of the browser (issue #17 item 3). Each account's client opens what
// it takes for its own socket to `/message/v1/ws` (docs/node-api.md §3); it is a member of a hub that holds the
// one real socket to that node. A member's `set` becomes a `set` of the union of all members' topics on the real
// socket, answered to the member once the node has confirmed it (so the client's catch-up after a confirmation
// is as safe as on a socket of its own); each envelope goes to the members whose topics include its topic; pings
// go to all (they keep each client's liveness check fed); the real socket's close closes every member with the
// same code, and each client reconnects and catches up as it always does. The node takes at most
// MAX_TOPICS_PER_SOCKET topics per socket: a member whose set would not fit beside the others moves to a hub of
// its own (a second real socket), so sharing never makes a subscription fail.
import type { WebSocketConstructor, WebSocketLike } from '@/client/api';
import { frameText } from '@/client/api/ws-stream';

/** The node's limit of topics per WebSocket (docs/node-api.md §5). */
export const MAX_TOPICS_PER_SOCKET = 10_000;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** A frame the node would send for a request it cannot take (gRPC code 3, invalid argument). */
const invalidRequest = (id: unknown, message: string) =>
  JSON.stringify({ id, error: { code: 3, message, details: [] } });

interface Reply {
  id?: unknown;
  result?: { contentTopic?: unknown };
  error?: unknown;
}

class Hub {
  readonly members = new Set<Member>();
  readonly #real: WebSocketLike;
  readonly #waiting = new Map<number, (frame: string, reply: Reply) => void>();
  readonly #queued: string[] = [];
  #nextId = 1;
  #closed = false;

  constructor(
    readonly url: string,
    Real: WebSocketConstructor,
    private readonly onGone: (hub: Hub) => void,
  ) {
    this.#real = new Real(url);
    this.#real.onopen = () => {
      for (const frame of this.#queued.splice(0)) this.#real.send(frame);
      for (const member of this.members) member.opened();
    };
    this.#real.onmessage = (event) => this.#receive(event.data);
    this.#real.onclose = (event) => this.#gone(event.code, event.reason);
    // Browsers give no detail here; onclose follows with the code.
    this.#real.onerror = () => {};
  }

  get open(): boolean {
    return !this.#closed && this.#real.readyState === OPEN;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Topics of every member but `except`. */
  topicsBeside(except?: Member): Set<string> {
    const all = new Set<string>();
    for (const member of this.members) if (member !== except) for (const t of member.topics) all.add(t);
    return all;
  }

  /** Sends the union of the members' topics; `done` gets the node's reply frame. */
  register(done?: (frame: string, reply: Reply) => void): void {
    if (this.#closed) return;
    const id = this.#nextId++;
    // Every reply is ours to take, even unwanted: under its id, a member would take it for its own request.
    this.#waiting.set(id, done ?? (() => {}));
    const frame = JSON.stringify({ id, method: 'set', contentTopics: [...this.topicsBeside()] });
    if (this.#real.readyState === OPEN) this.#real.send(frame);
    else this.#queued.push(frame);
  }

  leave(member: Member): void {
    if (!this.members.delete(member)) return;
    if (this.members.size === 0) {
      this.#closed = true;
      this.onGone(this);
      try {
        this.#real.close(1000, 'no account needs this socket');
      } catch {
        // Already closing.
      }
    } else this.register();
  }

  #receive(data: unknown): void {
    const text = frameText(data);
    let frame: Reply;
    try {
      frame = JSON.parse(text) as Reply;
    } catch {
      frame = {};
    }
    // A reply to one of our `set`s: its member gets it under its own id.
    if (typeof frame.id === 'number' && this.#waiting.has(frame.id)) {
      const done = this.#waiting.get(frame.id)!;
      this.#waiting.delete(frame.id);
      done(text, frame);
      return;
    }
    const topic = frame.result?.contentTopic;
    for (const member of this.members) {
      if (typeof topic !== 'string' || member.topics.has(topic)) member.deliver(text);
    }
  }

  #gone(code: number, reason: string): void {
    if (this.#closed && this.members.size === 0) return;
    this.#closed = true;
    this.onGone(this);
    this.#waiting.clear();
    for (const member of [...this.members]) member.ended(code, reason);
    this.members.clear();
  }
}

/** What each client holds as "its" WebSocket. */
class Member implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  topics = new Set<string>();
  #state = CONNECTING;

  constructor(
    private hub: Hub,
    private readonly hubs: HubPool,
  ) {
    hub.members.add(this);
    if (hub.open) setTimeout(() => this.opened(), 0);
  }

  get readyState(): number {
    return this.#state;
  }

  opened(): void {
    if (this.#state !== CONNECTING) return;
    this.#state = OPEN;
    this.onopen?.({});
  }

  deliver(text: string): void {
    if (this.#state === OPEN) this.onmessage?.({ data: text });
  }

  ended(code: number, reason: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.onclose?.({ code, reason });
  }

  send(data: string): void {
    // As the browser's WebSocket: an error before it opens, nothing once it is closing.
    if (this.#state === CONNECTING) throw new Error('the socket is not open yet');
    if (this.#state !== OPEN) return;
    let request: { id?: unknown; method?: unknown; contentTopics?: unknown };
    try {
      request = JSON.parse(data) as typeof request;
    } catch {
      return this.#answer(invalidRequest(undefined, 'a request is a JSON object'));
    }
    const { id, method, contentTopics } = request ?? {};
    if (method !== 'set') {
      return this.#answer(
        invalidRequest(id, `a shared socket takes "set" requests only, not ${String(method)}`),
      );
    }
    if (!Array.isArray(contentTopics) || !contentTopics.every((t) => typeof t === 'string')) {
      return this.#answer(invalidRequest(id, 'contentTopics: an array of topic strings'));
    }
    this.#set(id, new Set(contentTopics as string[]));
  }

  close(code = 1000, reason = ''): void {
    if (this.#state === CLOSED || this.#state === CLOSING) return;
    this.#state = CLOSING;
    this.hub.leave(this);
    // As a real socket does: onclose comes later, not inside close().
    setTimeout(() => this.ended(code, reason), 0);
  }

  #answer(frame: string): void {
    // As from a real socket: never inside the caller's send().
    setTimeout(() => this.deliver(frame), 0);
  }

  #set(id: unknown, topics: Set<string>): void {
    const beside = this.hub.topicsBeside(this);
    let fits = beside.size + topics.size <= MAX_TOPICS_PER_SOCKET;
    if (!fits) {
      let shared = 0;
      for (const t of topics) if (beside.has(t)) shared++;
      fits = beside.size + topics.size - shared <= MAX_TOPICS_PER_SOCKET;
    }
    if (!fits && this.hub.members.size > 1) return this.#move(id, topics);
    this.topics = topics;
    this.hub.register((frame, reply) =>
      this.deliver(reply.error === undefined ? confirmation(id, topics.size) : withId(frame, reply, id)),
    );
  }

  /** To a hub with room (a new real socket if none has): confirmed there first, then gone from the old one. */
  #move(id: unknown, topics: Set<string>): void {
    const from = this.hub;
    const to = this.hubs.withRoom(from.url, topics.size, from);
    const waiting = new Member(to, this.hubs); // holds the new topics until the node confirms them
    waiting.topics = topics;
    const confirm = () =>
      to.register((frame, reply) => {
        // Refused by the node, or the client closed meanwhile: the placeholder goes, and its topics with it.
        if (reply.error !== undefined || this.#state !== OPEN) {
          to.leave(waiting);
          if (reply.error !== undefined) this.deliver(withId(frame, reply, id));
          return;
        }
        to.members.delete(waiting);
        to.members.add(this);
        this.topics = topics;
        this.hub = to;
        from.leave(this);
        this.deliver(confirmation(id, topics.size));
      });
    if (to.open) confirm();
    else waiting.onopen = confirm;
    waiting.onclose = (event) => this.close(event.code, event.reason);
  }
}

const confirmation = (id: unknown, size: number) => JSON.stringify({ id, result: { topics: size } });

/** The node's error reply to a hub request, under the member's id. */
function withId(frame: string, reply: Reply, id: unknown): string {
  try {
    return JSON.stringify({ ...(JSON.parse(frame) as object), id });
  } catch {
    return JSON.stringify({ ...reply, id });
  }
}

class HubPool {
  readonly #hubs = new Map<string, Hub[]>();

  constructor(private readonly Real: WebSocketConstructor) {}

  /** The hub a new member joins: the first one for `url` still up, or a new one. */
  forUrl(url: string): Hub {
    return this.#hubs.get(url)?.find((hub) => !hub.closed) ?? this.#open(url);
  }

  withRoom(url: string, topics: number, except: Hub): Hub {
    const room = this.#hubs
      .get(url)
      ?.find(
        (hub) => hub !== except && !hub.closed && hub.topicsBeside().size + topics <= MAX_TOPICS_PER_SOCKET,
      );
    return room ?? this.#open(url);
  }

  /** Real sockets open now, per node URL (for tests and the worker's status). */
  count(url: string): number {
    return this.#hubs.get(url)?.filter((hub) => !hub.closed).length ?? 0;
  }

  #open(url: string): Hub {
    const hub = new Hub(url, this.Real, (gone) => {
      const left = (this.#hubs.get(url) ?? []).filter((other) => other !== gone);
      if (left.length) this.#hubs.set(url, left);
      else this.#hubs.delete(url);
    });
    this.#hubs.set(url, [...(this.#hubs.get(url) ?? []), hub]);
    return hub;
  }
}

export interface SharedWebSocket {
  /** Give this to each account's client as its WebSocket constructor. */
  WebSocket: WebSocketConstructor;
  /** Real sockets open to `url` (the WebSocket's URL, `ws://…/message/v1/ws`). */
  openSockets(url: string): number;
}

/** Sockets over `Real` (the browser's WebSocket, or the `ws` package in Node) shared by every client given them. */
export function sharedWebSocket(Real: WebSocketConstructor): SharedWebSocket {
  const hubs = new HubPool(Real);
  return {
    WebSocket: class extends Member {
      constructor(url: string) {
        super(hubs.forUrl(url), hubs);
      }
    },
    openSockets: (url) => hubs.count(url),
  };
}
