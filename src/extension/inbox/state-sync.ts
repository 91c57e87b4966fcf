// Inbox state shared with this identity's other installs over XMTP itself (docs/sync-format.md): what the user
// changes here (pin, mute, archive, read, draft) is published as a sealed note on the identity's device-sync
// topic, and notes from the other installs are merged into the cache by the rules of sync-rules.ts.
//
// Nothing is queued: each record carries the time each field was set, so "what to send" is every field set
// since the last publish that went through. Edits made offline, or before a worker restart, go out with the
// next publish after the connection is back.
import type { InboxCache } from '@/extension/cache/cache';
import type { ClientSession, DeviceNote } from '@/extension/client-adapter';
import type { InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import { readSettings } from './settings';
import { encodeNotes, fieldChanges, parseNote, wins, withChange, type FieldChange } from './sync-rules';

const CURSOR_KEY = 'deviceSync';
/** Notes are read again from a little before the newest one applied: a replay changes nothing. */
const READ_SLACK_NS = 10_000_000_000n;
/**
 * Changes of one moment share a note, and those made while a publish is in flight go in the next; no longer
 * wait is needed (the popup already saves a draft 0.3 s after typing stops).
 */
const PUBLISH_DELAY_MS = 0;
const RETRY_MS = [2_000, 5_000, 15_000, 60_000];

/** Where this install is: notes applied up to (ns, as text) and fields published up to (ms). */
interface Cursor {
  readNs?: string;
  publishedUntil?: number;
}

export interface StateSyncDeps {
  cache: InboxCache;
  local: KeyValueArea;
  now: () => number;
  emit(update: InboxUpdate): void;
  /** Mutes came from another install: the next expiry may have moved. */
  onMutesChanged(): Promise<void>;
}

export interface StateSync {
  /** Starts sharing over `session` (once per session; no-op while sync is off in the settings). */
  start(session: ClientSession): Promise<void>;
  /** The user changed these conversations here: publish soon. */
  changed(topics: readonly string[]): void;
  /** The session ends (lock, sign out, other nodes): stop reading and publishing. */
  stop(): void;
  /** Sign out: forget where this install was. */
  forget(): Promise<void>;
  /** Settings changed: start or stop with the `sync` switch. */
  settingsChanged(session: ClientSession | undefined): Promise<void>;
}

export function createStateSync(deps: StateSyncDeps): StateSync {
  const { cache, local, now, emit } = deps;
  let session: ClientSession | undefined;
  let stopNotes: (() => void) | undefined;
  /** Topics changed here since the last publish; `everything` asks for a scan of all conversations. */
  const dirty = new Set<string>();
  let everything = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let publishing: Promise<void> | undefined;
  let applying = Promise.resolve();

  const readCursor = async (): Promise<Cursor> => ((await local.get(CURSOR_KEY))[CURSOR_KEY] ?? {}) as Cursor;
  const writeCursor = async (patch: Cursor) =>
    local.set({ [CURSOR_KEY]: { ...(await readCursor()), ...patch } });

  function schedule(delay = PUBLISH_DELAY_MS) {
    if (!session || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void publish();
    }, delay);
  }

  /** One publish at a time; a change made during one is sent by the next. */
  async function publish(): Promise<void> {
    if (publishing) return publishing.then(() => schedule());
    const current = session;
    if (!current) return;
    publishing = (async () => {
      const scan = everything;
      const topics = [...dirty];
      everything = false;
      dirty.clear();
      const startedAt = now();
      try {
        const { publishedUntil = 0 } = await readCursor();
        const changes = scan ? await changesSince(publishedUntil) : await changesOf(topics);
        for (const note of encodeNotes(changes)) await current.deviceNotes.publish(note);
        // Only a full scan moves the mark: topics published one by one may not be all that changed.
        if (scan && session === current) await writeCursor({ publishedUntil: startedAt });
        failures = 0;
      } catch (error) {
        // Offline or refused: scan everything changed since the last publish when trying again.
        everything = true;
        if (session === current) console.warn('inbox sync: publish failed, will retry:', error);
        const delay = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!;
        publishing = undefined;
        schedule(delay);
        return;
      }
      publishing = undefined;
      if (everything || dirty.size) schedule();
    })();
    return publishing;
  }

  async function changesSince(since: number): Promise<FieldChange[]> {
    return (await cache.listConversations()).flatMap((c) => fieldChanges(c, since));
  }

  /** Every field of `topics` (a few): the other installs keep what they already have. */
  async function changesOf(topics: string[]): Promise<FieldChange[]> {
    const records = await Promise.all(topics.map((topic) => cache.getConversation(topic)));
    return records.flatMap((c) => (c ? fieldChanges(c, 0) : []));
  }

  async function apply(note: DeviceNote): Promise<void> {
    let changes: FieldChange[];
    try {
      changes = parseNote(note.text);
    } catch (error) {
      console.warn('inbox sync: skipped a note:', error); // a newer install's, or damaged: nothing is applied
      return;
    }
    const touched = new Set<string>();
    let mutes = false;
    for (const change of changes) {
      // A conversation this install does not know (yet) is skipped: there is nothing to pin or mute.
      await cache.updateConversation(change.topic, (conversation) => {
        if (!wins(change, conversation)) return undefined;
        touched.add(change.topic);
        if (change.field === 'mute') mutes = true;
        return withChange(conversation, change);
      });
    }
    if (touched.size) emit({ kind: 'conversations', topics: [...touched] });
    if (mutes) await deps.onMutesChanged();
    const { readNs } = await readCursor();
    if (readNs === undefined || note.timestampNs > BigInt(readNs))
      await writeCursor({ readNs: note.timestampNs.toString() });
  }

  async function start(next: ClientSession) {
    if (session === next || !(await readSettings(local)).sync) return;
    stop();
    session = next;
    const { readNs } = await readCursor();
    const since = readNs === undefined ? 0n : BigInt(readNs) - READ_SLACK_NS;
    stopNotes = next.deviceNotes.subscribe(
      since > 0n ? since : 0n,
      (note) => {
        // In arrival order, one at a time: two notes never interleave their writes to one record.
        applying = applying.then(() => apply(note)).catch(() => undefined);
      },
      (live) => {
        // Back online after a failed publish: what was changed here meanwhile goes out now, not at the retry.
        if (!live || !everything || publishing) return;
        if (timer) clearTimeout(timer);
        timer = undefined;
        schedule();
      },
    );
    everything = true; // what changed while no session was open (offline, locked, restarted)
    schedule();
  }

  function stop() {
    stopNotes?.();
    stopNotes = undefined;
    session = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  return {
    start,
    changed(topics) {
      for (const topic of topics) dirty.add(topic);
      schedule();
    },
    stop,
    async forget() {
      stop();
      await local.remove(CURSOR_KEY);
    },
    async settingsChanged(current) {
      const { sync } = await readSettings(local);
      if (!sync) stop();
      else if (current) await start(current);
    },
  };
}
