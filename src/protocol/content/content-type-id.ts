// Content type identifiers: `authority/type:major.minor` (docs/protocol.md §10.1).
import { ProtocolError } from '@/protocol/errors';

/** Names a content type and its version, as carried in `EncodedContent.type`. */
export interface ContentTypeId {
  readonly authorityId: string;
  readonly typeId: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
}

const UINT32_MAX = 0xffff_ffff;

function checkPart(value: string, what: string, id: string): void {
  // '/' and ':' delimit the string form, so neither may appear inside a part.
  if (value.length === 0 || /[/:]/.test(value)) {
    throw new ProtocolError('invalid_content_type', `invalid ${what} in content type ${JSON.stringify(id)}`);
  }
}

function checkVersion(value: number, what: string, id: string): void {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new ProtocolError('invalid_content_type', `invalid ${what} in content type ${JSON.stringify(id)}`);
  }
}

/** Builds a validated content type id (versions are proto uint32). */
export function contentTypeId(
  authorityId: string,
  typeId: string,
  versionMajor: number,
  versionMinor: number,
): ContentTypeId {
  const shown = `${authorityId}/${typeId}:${versionMajor}.${versionMinor}`;
  checkPart(authorityId, 'authority', shown);
  checkPart(typeId, 'type', shown);
  checkVersion(versionMajor, 'major version', shown);
  checkVersion(versionMinor, 'minor version', shown);
  return Object.freeze({ authorityId, typeId, versionMajor, versionMinor });
}

/** Parses `authority/type:major.minor`, e.g. `xmtp.org/text:1.0`. Versions are decimal without signs. */
export function parseContentTypeId(text: string): ContentTypeId {
  const match = /^([^/:]+)\/([^/:]+):(\d{1,10})\.(\d{1,10})$/.exec(text);
  if (!match) {
    throw new ProtocolError('invalid_content_type', `invalid content type ${JSON.stringify(text)}`);
  }
  return contentTypeId(match[1]!, match[2]!, Number(match[3]), Number(match[4]));
}

/** `authority/type:major.minor`, the form xmtp-js's `ContentTypeId.toString()` gives. */
export function formatContentTypeId(id: ContentTypeId): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}.${id.versionMinor}`;
}

/** The registry key `authority/type`: one codec per type, whatever the version. */
export function contentTypeKey(id: ContentTypeId): string {
  return `${id.authorityId}/${id.typeId}`;
}

/** Same authority and type; versions are ignored (xmtp-js `sameAs`). */
export function sameContentType(a: ContentTypeId, b: ContentTypeId): boolean {
  return a.authorityId === b.authorityId && a.typeId === b.typeId;
}
