// Where history sync stands with each peer: the peer's store position after the last page this node
// stored, by peer id, in one JSON file written atomically. A crash between storing a page and saving its
// position only fetches that page again; the store skips what it already has.
//
// The file is written at most once every `minIntervalMs` while a sync runs, and once more when it ends
// (`flush`): during a catch-up every page moved the position, and a write and rename of the file per page
// blocked the event loop for 5–275 ms each under disk load (a profile of a 200,000-envelope catch-up,
// docs/benchmarks.md "History sync"). A crash then fetches at most that much history again, which the
// store deduplicates; nothing is lost.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Default time between two writes of the file while positions move. */
export const POSITIONS_WRITE_INTERVAL_MS = 1000;

export class SyncPositions {
  private readonly positions: Map<string, string>;
  /** A position changed since the file was last written. */
  private dirty = false;
  private writtenAt = -Infinity;

  constructor(
    private readonly path: string | undefined,
    private readonly minIntervalMs = POSITIONS_WRITE_INTERVAL_MS,
  ) {
    this.positions = new Map();
    if (path && existsSync(path)) {
      try {
        const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        for (const [peer, position] of Object.entries(saved)) {
          if (typeof position === 'string') this.positions.set(peer, position);
        }
      } catch {
        // A damaged file only costs a full re-sync: the store deduplicates.
      }
    }
  }

  get(peer: string): string | undefined {
    return this.positions.get(peer);
  }

  /** Records `peer`'s position; written to the file now if the last write is `minIntervalMs` old. */
  set(peer: string, position: string): void {
    this.positions.set(peer, position);
    this.dirty = true;
    if (performance.now() - this.writtenAt >= this.minIntervalMs) this.flush();
  }

  /** Writes the positions not yet in the file. */
  flush(): void {
    if (!this.dirty || !this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.positions)));
    renameSync(tmp, this.path);
    this.dirty = false;
    this.writtenAt = performance.now();
  }
}
