// What a peer can put in a message's EncodedContent, for the tests of issue #21 item 2 (peer-content.test.ts
// and the Chromium e2e in test/e2e/xmtp-js.test.ts): hand-made wrong and unknown cases, and random and mutated
// ones from a seed.
import { ContentTypeId as TheirContentTypeId } from '@xmtp/content-type-primitives';
import { CONTENT_TYPES } from '@/extension/cache/records';
import { utf8 } from '@/protocol/bytes';
import { encodeEncodedContent, type EncodedContent } from '@/protocol/content';

export type TheirEncoded = {
  type: TheirContentTypeId;
  parameters: Record<string, string>;
  fallback?: string;
  compression?: number;
  content: Uint8Array;
};

// xmtp-js looks its codec up by the send option's type and puts on the wire whatever the codec's encode
// returns: this one returns the EncodedContent it is given, so the test chooses every field.
export const RAW = new TheirContentTypeId({
  authorityId: 'fuzz.example',
  typeId: 'raw',
  versionMajor: 1,
  versionMinor: 0,
});
export const rawCodec = {
  contentType: RAW,
  encode: (encoded: TheirEncoded) => encoded,
  decode: (encoded: TheirEncoded) => encoded,
  fallback: () => undefined,
  shouldPush: () => true,
};

const typeId = (id: string) => {
  const [authorityId, rest] = id.split('/') as [string, string];
  const [type, version] = rest.split(':') as [string, string];
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return new TheirContentTypeId({ authorityId, typeId: type, versionMajor: major, versionMinor: minor });
};
const MESSAGE_ID = '5f0c1d3a'.repeat(8);
const KNOWN = [
  CONTENT_TYPES.text,
  CONTENT_TYPES.reply,
  CONTENT_TYPES.reaction,
  CONTENT_TYPES.readReceipt,
  'xmtp.org/attachment:1.0',
  'xmtp.org/remoteStaticAttachment:1.0',
  'xmtp.org/composite:1.0',
];

/** A nested EncodedContent's bytes, as a reply carries them (ours: the same bytes xmtp-js writes). */
const nested = (type: string, content: Uint8Array, fallback?: string) => {
  const [authorityId, rest] = type.split('/') as [string, string];
  const [typeIdPart, version] = rest.split(':') as [string, string];
  const [versionMajor, versionMinor] = version.split('.').map(Number) as [number, number];
  const encoded: EncodedContent = {
    type: { authorityId, typeId: typeIdPart, versionMajor, versionMinor },
    parameters: {},
    content,
  };
  if (fallback !== undefined) encoded.fallback = fallback;
  return encodeEncodedContent(encoded);
};

/** The hand-made cases: each a way a peer's content can be wrong or unknown. */
export function handMade(): TheirEncoded[] {
  const text = typeId(CONTENT_TYPES.text);
  const reply = typeId(CONTENT_TYPES.reply);
  const reaction = typeId(CONTENT_TYPES.reaction);
  return [
    {
      type: typeId('acme.example/poll:1.0'),
      parameters: {},
      fallback: 'A poll: tea or coffee?',
      content: utf8('?'),
    },
    { type: typeId('acme.example/poll:1.0'), parameters: {}, content: utf8('no fallback at all') },
    { type: text, parameters: { encoding: 'UTF-8' }, content: new Uint8Array([0xff, 0xfe, 0xc3]) },
    { type: text, parameters: { encoding: 'ebcdic' }, content: utf8('wrong encoding') },
    { type: typeId('xmtp.org/text:9.0'), parameters: {}, fallback: 'from the future', content: utf8('v9') },
    { type: reaction, parameters: {}, content: utf8('{not json') },
    { type: reaction, parameters: {}, fallback: 'reacted', content: utf8('{"reference":5,"content":[]}') },
    { type: reaction, parameters: {}, content: utf8('null') },
    { type: reply, parameters: {}, content: utf8('garbage') },
    { type: reply, parameters: { reference: MESSAGE_ID }, content: new Uint8Array([0x0a, 0xff, 0xff]) },
    {
      // A reply whose nested type we do not know: still a reply, with the sender's fallback.
      type: reply,
      parameters: { reference: MESSAGE_ID, contentType: 'acme.example/poll:1.0' },
      fallback: 'Replied with a poll',
      content: nested('acme.example/poll:1.0', utf8('?')),
    },
    {
      type: reply,
      parameters: { reference: MESSAGE_ID, contentType: CONTENT_TYPES.text },
      content: nested(CONTENT_TYPES.text, new Uint8Array([0xc3])),
    },
    { type: typeId(CONTENT_TYPES.readReceipt), parameters: {}, content: utf8('unexpected') },
    { type: typeId('xmtp.org/attachment:1.0'), parameters: { filename: 'x' }, content: new Uint8Array(3) },
    { type: typeId('xmtp.org/remoteStaticAttachment:1.0'), parameters: {}, content: utf8('https://x') },
    { type: typeId('xmtp.org/composite:1.0'), parameters: {}, content: new Uint8Array([0x0a, 0x05, 0x01]) },
    { type: text, parameters: {}, fallback: '', content: new Uint8Array() },
    { type: typeId('./:0.0'), parameters: { '': '' }, content: new Uint8Array() },
    // Text that only claims to be compressed (deflate): the bytes do not inflate.
    { type: text, parameters: {}, compression: 0, content: utf8('not deflated') },
  ];
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const pick = <T>(list: readonly T[]) => list[int(list.length)]!;
  return { next, int, bytes, pick };
}

/** Random and mutated EncodedContent: known and unknown types, parameters, fallbacks and bytes. */
export function fuzzed(count: number, seed: number): TheirEncoded[] {
  const r = random(seed);
  const valid = [
    utf8('gm, a valid text'),
    utf8(JSON.stringify({ reference: MESSAGE_ID, action: 'added', content: '👍', schema: 'unicode' })),
    nested(CONTENT_TYPES.text, utf8('a nested text')),
  ];
  const out: TheirEncoded[] = [];
  for (let i = 0; i < count; i++) {
    const type =
      r.next() < 0.8 ? r.pick(KNOWN) : `fuzz${r.int(9)}.example/t${r.int(9)}:${r.int(3)}.${r.int(3)}`;
    let content: Uint8Array;
    if (r.next() < 0.5) {
      content = r.bytes(r.int(64));
    } else {
      // A valid payload with a few bytes flipped, cut or extended.
      content = Uint8Array.from(r.pick(valid));
      for (let flips = 1 + r.int(4); flips > 0; flips--) {
        if (content.length) content[r.int(content.length)] = r.int(256);
      }
      if (r.next() < 0.3) content = content.slice(0, r.int(content.length + 1));
    }
    const parameters: Record<string, string> = {};
    if (r.next() < 0.5) parameters.reference = r.next() < 0.5 ? MESSAGE_ID : String(r.int(1e6));
    if (r.next() < 0.5) parameters.contentType = r.pick([...KNOWN, 'x', '']);
    if (r.next() < 0.3) parameters.encoding = r.pick(['UTF-8', 'latin1', '']);
    if (r.next() < 0.3) parameters.filename = 'f'.repeat(r.int(40));
    const entry: TheirEncoded = { type: typeId(type), parameters, content };
    if (r.next() < 0.5) entry.fallback = r.next() < 0.2 ? '' : `fallback ${i}`;
    out.push(entry);
  }
  return out;
}
