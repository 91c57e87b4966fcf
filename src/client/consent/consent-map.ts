// The consent list: per address, the state set by the newest action seen (docs/protocol.md §11: actions are
// replayed in order and the last one wins). Each entry keeps the envelope time of the action that set it,
// so replaying an overlapping window again, or in any order, gives the same answer.
import { fromUtf8, utf8 } from '@/protocol/bytes';

export type ConsentState = 'allowed' | 'denied' | 'unknown';

export interface ConsentEntry {
  /** The address as the action wrote it (EIP-55 when we or xmtp-js wrote it). */
  address: string;
  state: 'allowed' | 'denied';
  /** Envelope timestamp (ns) of the action that decided this entry. */
  timestampNs: bigint;
}

/** An address an action decided (it was not superseded by a newer action already seen). */
export interface ConsentChange {
  address: string;
  state: 'allowed' | 'denied';
  /** The state before this action: equal to `state` when the action repeated it. */
  previous: ConsentState;
  timestampNs: bigint;
}

export class ConsentMap {
  // Keyed by lowercase address: consent lookups are case-insensitive.
  private readonly entries = new Map<string, ConsentEntry>();

  state(address: string): ConsentState {
    return this.entries.get(address.toLowerCase())?.state ?? 'unknown';
  }

  /**
   * Applies one action's addresses at `timestampNs`. An action at the same time as the entry's wins:
   * among envelopes with one timestamp, the later in replay order is the later action.
   */
  apply(addresses: readonly string[], state: 'allowed' | 'denied', timestampNs: bigint): ConsentChange[] {
    const changes: ConsentChange[] = [];
    for (const address of addresses) {
      const key = address.toLowerCase();
      const current = this.entries.get(key);
      if (current && current.timestampNs > timestampNs) continue;
      this.entries.set(key, { address, state, timestampNs });
      changes.push({ address, state, previous: current?.state ?? 'unknown', timestampNs });
    }
    return changes;
  }

  /** Newest action time seen, 0 when empty. */
  get latestNs(): bigint {
    let latest = 0n;
    for (const e of this.entries.values()) if (e.timestampNs > latest) latest = e.timestampNs;
    return latest;
  }

  list(): ConsentEntry[] {
    return [...this.entries.values()];
  }

  clear(): void {
    this.entries.clear();
  }

  toBytes(): Uint8Array {
    const rows = this.list().map((e) => [e.address, e.state, e.timestampNs.toString()]);
    return utf8(JSON.stringify(rows));
  }

  /** Restores a map saved with `toBytes`; rows that do not parse are dropped (a cache, not the truth). */
  static fromBytes(bytes: Uint8Array | undefined): ConsentMap {
    const map = new ConsentMap();
    if (!bytes) return map;
    let rows: unknown;
    try {
      rows = JSON.parse(fromUtf8(bytes));
    } catch {
      return map;
    }
    if (!Array.isArray(rows)) return map;
    for (const row of rows) {
      if (!Array.isArray(row) || row.length !== 3) continue;
      const [address, state, ns] = row as unknown[];
      if (typeof address !== 'string' || typeof ns !== 'string' || !/^[0-9]+$/.test(ns)) continue;
      if (state !== 'allowed' && state !== 'denied') continue;
      map.apply([address], state, BigInt(ns));
    }
    return map;
  }
}
