import { describe, expect, it } from 'vitest';
import {
  envelopeFromJson,
  envelopeToJson,
  parseUint64,
  queryRequestToJson,
  queryResponseFromJson,
  batchQueryResponseFromJson,
  streamFrameFromJson,
} from '@/client/api/json';
import { ProtocolError } from '@/protocol/errors';

const TOPIC = '/xmtp/0/contact-0x2D0e614e8Dc8Adf82c70090F905e6cFC1DE84900/proto';

describe('client JSON mapping', () => {
  it('writes an envelope with a decimal timestamp string and padded standard base64', () => {
    const json = envelopeToJson({
      contentTopic: TOPIC,
      timestampNs: 18_446_744_073_709_551_615n,
      message: new Uint8Array([0xfb, 0xff, 0xfe, 0x01]),
    });
    expect(json).toEqual({ contentTopic: TOPIC, timestampNs: '18446744073709551615', message: '+//+AQ==' });
  });

  it('reads camelCase and snake_case envelopes, and numeric or url-safe unpadded input', () => {
    const camel = envelopeFromJson({
      contentTopic: TOPIC,
      timestampNs: '1718000000000000000',
      message: '+//+AQ==',
    });
    const snake = envelopeFromJson({ content_topic: TOPIC, timestamp_ns: 1_700_000, message: '-__-AQ' });
    expect(camel).toEqual({
      contentTopic: TOPIC,
      timestampNs: 1_718_000_000_000_000_000n,
      message: new Uint8Array([0xfb, 0xff, 0xfe, 0x01]),
    });
    expect(snake.timestampNs).toBe(1_700_000n);
    expect(snake.message).toEqual(camel.message);
  });

  it('reads an emitted-unpopulated envelope (zero timestamp, empty bytes) as zero and empty', () => {
    expect(envelopeFromJson({ contentTopic: 't', timestampNs: '0', message: '' })).toEqual({
      contentTopic: 't',
      timestampNs: 0n,
      message: new Uint8Array(0),
    });
  });

  it('rejects a timestamp that is negative, fractional, over uint64 or not a number', () => {
    for (const bad of ['-1', '1.5', '18446744073709551616', 'abc', -1, 1.5, true]) {
      expect(() => parseUint64(bad, 'timestampNs')).toThrow(ProtocolError);
    }
    expect(() => envelopeFromJson({ contentTopic: TOPIC, timestampNs: '12x', message: '' })).toThrow(
      /invalid envelope timestampNs: "12x"/,
    );
  });

  it('rejects an envelope whose message is not base64', () => {
    expect(() => envelopeFromJson({ contentTopic: TOPIC, timestampNs: '1', message: 'no spaces!' })).toThrow(
      /invalid envelope message/,
    );
  });

  it('leaves unset query fields out and names the sort direction', () => {
    expect(queryRequestToJson({ contentTopics: [TOPIC] })).toEqual({ contentTopics: [TOPIC] });
    expect(
      queryRequestToJson({
        contentTopics: [TOPIC],
        startTimeNs: 5n,
        pagingInfo: { limit: 10, direction: 'descending' },
      }),
    ).toEqual({
      contentTopics: [TOPIC],
      startTimeNs: '5',
      pagingInfo: { limit: 10, direction: 'SORT_DIRECTION_DESCENDING' },
    });
  });

  it('echoes a cursor back exactly as the node sent it', () => {
    const wire =
      '{"envelopes":[],"pagingInfo":{"limit":5,"cursor":{"index":{"digest":"q2Vh","senderTimeNs":"17","extra":[1]}},"direction":"SORT_DIRECTION_ASCENDING"}}';
    const response = queryResponseFromJson(JSON.parse(wire));
    expect(response.pagingInfo?.direction).toBe('ascending');
    const next = queryRequestToJson({
      contentTopics: [TOPIC],
      pagingInfo: { limit: 5, direction: 'ascending', cursor: response.pagingInfo!.cursor! },
    });
    expect(JSON.stringify((next.pagingInfo as { cursor: unknown }).cursor)).toBe(
      JSON.stringify(JSON.parse(wire).pagingInfo.cursor),
    );
  });

  it('reads a last page with a null cursor, and snake_case paging_info with numeric enums', () => {
    const last = queryResponseFromJson({
      envelopes: [{ contentTopic: TOPIC, timestampNs: '3', message: 'AQ==' }],
      pagingInfo: { limit: 0, cursor: null, direction: 'SORT_DIRECTION_DESCENDING' },
    });
    expect(last.pagingInfo).toEqual({ limit: 0, cursor: null, direction: 'descending' });
    expect(last.envelopes).toHaveLength(1);
    const snake = queryResponseFromJson({ envelopes: [], paging_info: { limit: 2, direction: 1 } });
    expect(snake.pagingInfo).toEqual({ limit: 2, cursor: null, direction: 'ascending' });
    expect(queryResponseFromJson({ envelopes: [], pagingInfo: null }).pagingInfo).toBeNull();
  });

  it('reads a batch response in order', () => {
    const batch = batchQueryResponseFromJson({
      responses: [
        { envelopes: [{ contentTopic: 'a', timestampNs: '1', message: 'AQ==' }], pagingInfo: null },
        { envelopes: [], pagingInfo: null },
      ],
    });
    expect(batch.map((r) => r.envelopes.map((e) => e.contentTopic))).toEqual([['a'], []]);
  });

  it('tells apart envelope, error, reply and ping frames of a stream', () => {
    expect(streamFrameFromJson('{"result":{"contentTopic":"t","timestampNs":"9","message":"AQ=="}}')).toEqual(
      {
        kind: 'envelope',
        envelope: { contentTopic: 't', timestampNs: 9n, message: new Uint8Array([1]) },
      },
    );
    expect(streamFrameFromJson('{"error":{"code":8,"message":"slow","details":[]}}')).toEqual({
      kind: 'error',
      code: 8,
      message: 'slow',
    });
    expect(streamFrameFromJson('{"id":3,"error":{"code":3,"message":"bad"}}')).toMatchObject({
      kind: 'error',
      id: 3,
    });
    expect(streamFrameFromJson('{"id":1,"result":{"topics":2}}')).toEqual({
      kind: 'reply',
      id: 1,
      result: { topics: 2 },
    });
    expect(streamFrameFromJson('{"ping":1718000000000}')).toEqual({ kind: 'ping' });
    expect(() => streamFrameFromJson('not json')).toThrow(/stream frame is not JSON/);
  });
});
