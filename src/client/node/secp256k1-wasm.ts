// Node hosts (the CLI, benchmarks, tests) load libsecp256k1 from the binary tiny-secp256k1 ships
// (node_modules/tiny-secp256k1/lib/secp256k1.wasm); src/protocol/secp256k1.ts falls back to noble if it cannot.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { initSecp256k1, type Secp256k1Status } from '@/protocol/secp256k1';

/** Where secp256k1.wasm is: the package exports only its JS, so the path is found from its CommonJS entry. */
export function secp256k1WasmPath(): string {
  const entry = createRequire(import.meta.url).resolve('tiny-secp256k1'); // …/lib/cjs/index.cjs
  return join(dirname(entry), '..', 'secp256k1.wasm');
}

/** Chooses the secp256k1 engine for this process (once; later calls give the first answer). */
export function initNodeSecp256k1(): Promise<Secp256k1Status> {
  return initSecp256k1(() => readFile(secp256k1WasmPath()));
}
