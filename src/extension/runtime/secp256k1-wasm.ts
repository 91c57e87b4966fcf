// The service worker's secp256k1 engine: libsecp256k1 from the secp256k1.wasm the build packages next to
// background.js (tiny-secp256k1's binary, copied by wxt.config.ts). Until it is compiled, or for good if it
// cannot be (a CSP without 'wasm-unsafe-eval', no WebAssembly), noble does the work; the worker's state says
// which engine runs.
import { initSecp256k1, type Secp256k1Status } from '@/protocol/secp256k1';

export const SECP256K1_WASM_PATH = '/secp256k1.wasm';

export function initExtensionSecp256k1(): Promise<Secp256k1Status> {
  return initSecp256k1(() => fetch(SECP256K1_WASM_PATH));
}
