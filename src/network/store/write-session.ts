// Loads sqlite-write-session.cjs (plain CommonJS, shared with the writer thread) with Node's own
// require, and gives it its types.
import { createRequire } from 'node:module';
import type * as SessionModule from './sqlite-write-session.cjs';

const require = createRequire(import.meta.url);

/** Absolute path of the module, for the writer thread to require. */
export const WRITE_SESSION_MODULE = require.resolve('./sqlite-write-session.cjs');

const session = require(WRITE_SESSION_MODULE) as typeof SessionModule;

export const { DigestIndex, keyOf, lowerThreadPriority, openIndexPass, openWriteSession, sha256 } = session;
export type { DigestOf, IndexPass, WriteSession, WriteSessionOptions } from './sqlite-write-session.cjs';
