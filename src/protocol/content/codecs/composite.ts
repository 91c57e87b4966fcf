// xmtp.org/composite:1.0 (docs/protocol.md §10.1, §10.2): a tree of parts of any content type.
// Core in xmtp-js 11.x, no longer exported by 12+; kept for reading old messages.
import protobuf from 'protobufjs/minimal.js';
import { ProtocolError } from '@/protocol/errors';
import { xmtp } from '@/protocol/gen/xmtp';
import type { CodecLookup, ContentCodec } from '@/protocol/content/codec';
import type { ContentTypeId } from '@/protocol/content/content-type-id';
import { contentTypeId } from '@/protocol/content/content-type-id';
import { fromGenerated, writeEncodedContent } from '@/protocol/content/encoded-content';
import { decodeNested, encodeNested } from '@/protocol/content/nested';

export const ContentTypeComposite = contentTypeId('xmtp.org', 'composite', 1, 0);

/** One typed value, or a sequence of composites (nested arbitrarily). */
export type Composite = { type: ContentTypeId; content: unknown } | { parts: Composite[] };

function writeComposite(
  composite: { parts: Composite[] },
  codecs: CodecLookup,
  writer: protobuf.Writer,
): void {
  for (const part of composite.parts) {
    writer.uint32(10).fork();
    if ('type' in part) {
      // Parts are EncodedContent, so they need xmtp-js's field order too.
      writeEncodedContent(encodeNested(part.type, part.content, codecs), writer.uint32(10).fork()).ldelim();
    } else {
      writeComposite(part, codecs, writer.uint32(18).fork());
      writer.ldelim();
    }
    writer.ldelim();
  }
}

function fromPart(part: xmtp.message_contents.Composite.Part.$Properties, codecs: CodecLookup): Composite {
  if (part.part) {
    const encoded = fromGenerated(part.part);
    return { type: encoded.type, content: decodeNested(encoded, codecs) };
  }
  if (part.composite) return fromComposite(part.composite, codecs);
  throw new ProtocolError('invalid_content', 'composite part has neither content nor a composite');
}

function fromComposite(
  composite: xmtp.message_contents.Composite.$Properties,
  codecs: CodecLookup,
): Composite {
  return { parts: (composite.parts ?? []).map((p) => fromPart(p, codecs)) };
}

export const compositeCodec: ContentCodec<Composite> = {
  contentType: ContentTypeComposite,
  encode(composite, codecs) {
    // A single value is wrapped as a composite of one part, as xmtp-js did.
    const root = 'type' in composite ? { parts: [composite] } : composite;
    const writer = protobuf.Writer.create();
    writeComposite(root, codecs, writer);
    return { type: ContentTypeComposite, parameters: {}, content: new Uint8Array(writer.finish()) };
  },
  decode(encoded, codecs) {
    let composite: xmtp.message_contents.Composite;
    try {
      composite = xmtp.message_contents.Composite.decode(encoded.content);
    } catch (cause) {
      throw new ProtocolError('malformed_content', `invalid composite content: ${(cause as Error).message}`, {
        cause,
      });
    }
    return fromComposite(composite, codecs);
  },
  fallback: () => undefined,
  shouldPush: () => false,
};
