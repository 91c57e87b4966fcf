// One error model in every layer (docs/design.md §5.2): a ProtocolError with a stable snake_case `code` (for
// programs) and a message that names the bad value (for people); at a context boundary it becomes data
// `{ error: { code, message } }` through errorData, whose fallback code is INTERNAL.
import { errorData, ProtocolError, type ErrorData } from '@/protocol/errors';

/** A failure of the extension itself (its code says which). */
export class ExtensionError extends ProtocolError {
  override readonly name: string = 'ExtensionError';
}

export type { ErrorData };

/** Anything thrown, as boundary data (the protocol's errorData). */
export const toErrorData = errorData;
