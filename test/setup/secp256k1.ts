// Every test file runs on the secp256k1 engine the CLI and the extension use: libsecp256k1 in WebAssembly
// (test/protocol/secp256k1.test.ts covers noble, the fallback, on the same vectors).
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';

const status = await initNodeSecp256k1();
if (status.backend !== 'libsecp256k1-wasm') {
  throw new Error(`libsecp256k1 did not load in the tests: ${status.fallbackReason}`);
}
