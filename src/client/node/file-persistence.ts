// File-backed Persistence for Node (the CLI, benchmarks): one file per key, written atomically
// (temp file + fsync + rename) so a crash never leaves a half-written cache entry.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Persistence } from '@/client/persistence';

/** Keys become file names: anything outside [A-Za-z0-9._-] is %-escaped, so keys cannot escape `dir`. */
function fileName(key: string): string {
  const escaped = Array.from(new TextEncoder().encode(key), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_-]/.test(c) ? c : '%' + b.toString(16).padStart(2, '0');
  }).join('');
  // A leading dot never appears (dots are escaped), so temp files (".tmp-…") cannot collide with keys.
  return escaped.length > 200 ? escaped.slice(0, 160) + '%' + hashName(key) : escaped;
}

function hashName(key: string): string {
  // FNV-1a 64: long keys only need a stable, collision-unlikely suffix.
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(key)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16);
}

export class FilePersistence implements Persistence {
  #ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  private ready(): Promise<unknown> {
    this.#ready ??= mkdir(this.dir, { recursive: true });
    return this.#ready;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.ready();
    try {
      return new Uint8Array(await readFile(join(this.dir, fileName(key))));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await this.ready();
    const target = join(this.dir, fileName(key));
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(value);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await this.ready();
    await rm(join(this.dir, fileName(key)), { force: true });
  }
}
