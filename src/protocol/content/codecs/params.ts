// Parameter checks shared by the standard codecs.
import { ProtocolError } from '@/protocol/errors';
import type { EncodedContent } from '@/protocol/content/encoded-content';

/** The named parameter, which must be present. */
export function requireParameter(encoded: EncodedContent, name: string): string {
  const value = Object.hasOwn(encoded.parameters, name) ? encoded.parameters[name] : undefined;
  if (typeof value !== 'string') {
    throw new ProtocolError(
      'invalid_content',
      `missing ${JSON.stringify(name)} parameter in ${encoded.type.typeId} content`,
    );
  }
  return value;
}

/** Throws `invalid_content` unless `value` is a string. */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new ProtocolError('invalid_content', `${what} must be a string, got ${typeof value}`);
  }
  return value;
}
