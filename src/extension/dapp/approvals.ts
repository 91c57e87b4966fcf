// Prompts in the approval window (src/entrypoints/approve): one per origin at a time (a second gets -32002),
// answered by the window through the admin map; closing the window rejects (4001), like wallets do (issue #6).
// A page must not be able to bury the user in windows (issue #21): after a rejection its origin waits before
// it may prompt again (doubling with each rejection in a row, reset by an approval), and only a few origins may
// have a prompt open at the same time.
import { RPC_ERRORS, type ApprovalRequest } from '@/extension/messages/dapp';
import { DappError, rejected } from './errors';

/** What a prompt shows, before it has an id (each kind keeps its own fields). */
export type Prompt = ApprovalRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export interface ApprovalAnswer {
  password?: string;
  /** linkWallet: also publish the encrypted key bundle to the network's private store. */
  storeOnNetwork?: boolean;
}

/** Prompts open at once, across origins. */
export const MAX_OPEN_PROMPTS = 3;
/** The wait after a first rejection; each further rejection in a row doubles it, up to the maximum. */
export const REJECT_BACKOFF_MS = 5_000;
export const MAX_REJECT_BACKOFF_MS = 10 * 60_000;

export interface ApprovalWindows {
  /** Opens the approval window for prompt `id`; resolves with its window id. */
  open(id: string): Promise<number | undefined>;
  close(windowId: number): Promise<void>;
}

export interface Approvals {
  /**
   * Shows `prompt` and waits for the user. On approval `onApprove` runs (its error goes back to the window, which
   * stays open to try again); the request resolves with its result. Rejecting or closing the window rejects 4001.
   */
  ask<T>(prompt: Prompt, onApprove: (answer: ApprovalAnswer) => Promise<T>): Promise<T>;
  get(id: string): ApprovalRequest | null;
  answer(id: string, approved: boolean, answer?: ApprovalAnswer): Promise<void>;
  /** browser.windows.onRemoved: a closed approval window is a rejection. */
  windowClosed(windowId: number): void;
  /** Rejects the origin's open prompt, if any (its grants were revoked meanwhile). */
  cancel(origin: string): void;
  /** Rejects every open prompt not being completed (another account became active: it was asked for the one before). */
  cancelAll(reason: string): void;
}

interface Pending {
  request: ApprovalRequest;
  windowId?: number;
  closed: boolean;
  busy: boolean;
  onApprove(answer: ApprovalAnswer): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

export function createApprovals(windows: ApprovalWindows, now: () => number = Date.now): Approvals {
  const pending = new Map<string, Pending>();
  /** Per origin: rejections in a row, and until when it may not prompt. */
  const backoff = new Map<string, { rejections: number; until: number }>();

  function rejectedBy(origin: string) {
    const rejections = (backoff.get(origin)?.rejections ?? 0) + 1;
    const wait = Math.min(REJECT_BACKOFF_MS * 2 ** (rejections - 1), MAX_REJECT_BACKOFF_MS);
    backoff.set(origin, { rejections, until: now() + wait });
  }

  function settle(entry: Pending) {
    pending.delete(entry.request.id);
    if (entry.windowId !== undefined && !entry.closed)
      void windows.close(entry.windowId).catch(() => undefined);
  }

  function byOrigin(origin: string): Pending | undefined {
    for (const entry of pending.values()) if (entry.request.origin === origin) return entry;
    return undefined;
  }

  return {
    ask(prompt, onApprove) {
      if (byOrigin(prompt.origin)) {
        return Promise.reject(
          new DappError(
            RPC_ERRORS.resourceUnavailable,
            `a request from ${prompt.origin} is already waiting for the user in XMTP Inbox`,
          ),
        );
      }
      const waitMs = (backoff.get(prompt.origin)?.until ?? 0) - now();
      if (waitMs > 0) {
        return Promise.reject(
          new DappError(
            RPC_ERRORS.resourceUnavailable,
            `the user rejected a request from ${prompt.origin}: it may ask again in ${Math.ceil(waitMs / 1000)} s`,
          ),
        );
      }
      if (pending.size >= MAX_OPEN_PROMPTS) {
        return Promise.reject(
          new DappError(
            RPC_ERRORS.resourceUnavailable,
            `${MAX_OPEN_PROMPTS} sites are already waiting for the user in XMTP Inbox: try again later`,
          ),
        );
      }
      const id = newId();
      return new Promise((resolve, reject) => {
        const entry: Pending = {
          request: { ...prompt, id } as ApprovalRequest,
          closed: false,
          busy: false,
          onApprove,
          resolve: resolve as (value: unknown) => void,
          reject,
        };
        pending.set(id, entry);
        windows.open(id).then(
          (windowId) => {
            entry.windowId = windowId;
          },
          (error) => {
            pending.delete(id);
            reject(new DappError(RPC_ERRORS.internal, `cannot open the approval window: ${String(error)}`));
          },
        );
      });
    },

    get(id) {
      return pending.get(id)?.request ?? null;
    },

    async answer(id, approved, answer = {}) {
      const entry = pending.get(id);
      if (!entry) throw new DappError(RPC_ERRORS.invalidParams, 'this request is no longer waiting');
      if (entry.busy) throw new DappError(RPC_ERRORS.resourceUnavailable, 'this request is being completed');
      if (!approved) {
        settle(entry);
        rejectedBy(entry.request.origin);
        entry.reject(rejected());
        return;
      }
      entry.busy = true;
      try {
        const result = await entry.onApprove(answer);
        settle(entry);
        backoff.delete(entry.request.origin);
        entry.resolve(result);
      } catch (error) {
        entry.busy = false;
        if (entry.closed) {
          settle(entry);
          entry.reject(error);
        }
        throw error;
      }
    },

    windowClosed(windowId) {
      for (const entry of pending.values()) {
        if (entry.windowId !== windowId) continue;
        entry.closed = true;
        // A linking in progress finishes (the wallet is already signing); its outcome settles the request.
        if (entry.busy) continue;
        settle(entry);
        rejectedBy(entry.request.origin);
        entry.reject(rejected('the user closed the approval window'));
      }
    },

    cancel(origin) {
      const entry = byOrigin(origin);
      if (!entry || entry.busy) return;
      settle(entry);
      entry.reject(rejected('the request was cancelled in XMTP Inbox'));
    },

    cancelAll(reason) {
      for (const entry of [...pending.values()]) {
        if (entry.busy) continue;
        settle(entry);
        entry.reject(rejected(reason));
      }
    },
  };
}
