// 5,000+ randomized malformed requests (seeded, so a failure reproduces) against a node with
// auth on: every one gets a 4xx with the {code, message, details: []} body, none a 5xx, and
// the node serves normal traffic afterwards.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthToken } from '@/protocol/authn';
import { createPrivateKeyBundle } from '@/protocol/identity';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { xmtp } from '@/protocol/gen/xmtp';
import { contactTopic } from '@/protocol/topics';
import { b64, envelopeJson, post, startTestNode, T0 } from './helpers';
import type { TestNode } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20240601);
const COUNT = 5000;
const MAX_BODY = 256 * 1024;

/** mulberry32: small, fast, seedable. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const str = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_/') =>
    Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  return { next, int, pick, str };
}
type Rng = ReturnType<typeof prng>;

interface Req {
  kind: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

let node: TestNode;
let owner: { address: string; bundle: PrivateKeyBundleV1 };
let token: string;

const API = ['/message/v1/publish', '/message/v1/query', '/message/v1/batch-query', '/message/v1/subscribe'];
const WRONG_VALUES: unknown[] = [1, -1, 1.5, true, 'x', {}, [], [1], [{}], 'SORT', 1e300];
const BAD_BASE64 = ['%', 'ab$c', 'a', 'abcde', '====', 'ab=c', 'a+b-', '\u00e9\u00e9\u00e9\u00e9', 'AB CD'];
const BAD_UINT64 = [
  '-1',
  '1.5',
  '1e3',
  'abc',
  '',
  '18446744073709551616',
  '9223372036854775808',
  -5,
  0.5,
  true,
  {},
];

const bearer = () => ({ Authorization: `Bearer ${token}` });
const json = (v: unknown) => JSON.stringify(v);
const topic = (r: Rng) => `/xmtp/0/m-${r.str(8)}/proto`;

const GENERATORS: ((r: Rng) => Req)[] = [
  // Not JSON at all, or broken JSON.
  (r) => {
    const valid = json({ envelopes: [envelopeJson(topic(r), T0, 'x')] });
    const body = r.pick([
      () => valid.slice(0, 1 + r.int(valid.length - 2)),
      () => r.str(1 + r.int(40), '{}[]":,abc123\\ \n'),
      () => '{' + r.str(r.int(20)),
      () => valid.replace(':', ''),
      () => "{'a': 1}",
      () => 'nul',
    ])();
    return { kind: 'bad json', method: 'POST', path: r.pick(API), body, headers: bearer() };
  },
  // A body that is JSON but not an object.
  (r) => ({
    kind: 'not an object',
    method: 'POST',
    path: r.pick(API),
    body: r.pick(['[]', '1', '"x"', 'true', 'null', '[{"contentTopics":["a"]}]']),
  }),
  // Wrong types in publish.
  (r) => {
    const env: Record<string, unknown> = envelopeJson(topic(r), T0, 'x');
    const field = r.pick(['contentTopic', 'timestampNs', 'message', 'envelopes', 'envelope']);
    const value = r.pick(WRONG_VALUES.filter((v) => typeof v !== 'string' || field !== 'contentTopic'));
    if (field === 'envelopes')
      return {
        kind: 'wrong type',
        method: 'POST',
        path: API[0]!,
        body: json({ envelopes: value === 1 ? 'x' : { a: value } }),
        headers: bearer(),
      };
    if (field === 'envelope')
      return {
        kind: 'wrong type',
        method: 'POST',
        path: API[0]!,
        body: json({ envelopes: [value === 1 ? 'x' : 7] }),
        headers: bearer(),
      };
    if (field === 'contentTopic' && typeof value === 'string') env[field] = 5;
    else if (field === 'message') env[field] = r.pick([1, true, {}, [], [1]]);
    else if (field === 'timestampNs') env[field] = r.pick(BAD_UINT64);
    else env[field] = value;
    return {
      kind: 'wrong type',
      method: 'POST',
      path: API[0]!,
      body: json({ envelopes: [env] }),
      headers: bearer(),
    };
  },
  // Bad base64 in a message or a cursor digest.
  (r) => {
    if (r.next() < 0.5) {
      const envelopes = [
        envelopeJson(topic(r), T0, 'ok'),
        { ...envelopeJson(topic(r), T0, 'x'), message: r.pick(BAD_BASE64) },
      ];
      return {
        kind: 'bad base64',
        method: 'POST',
        path: API[0]!,
        body: json({ envelopes }),
        headers: bearer(),
      };
    }
    const body = {
      contentTopics: [topic(r)],
      pagingInfo: { cursor: { index: { digest: r.pick(BAD_BASE64) } } },
    };
    return { kind: 'bad base64', method: 'POST', path: API[1]!, body: json(body) };
  },
  // Bad uint64 anywhere.
  (r) => {
    const bad = r.pick(BAD_UINT64);
    const body = r.pick([
      () => ({ contentTopics: ['a'], startTimeNs: bad }),
      () => ({ contentTopics: ['a'], endTimeNs: bad }),
      () => ({
        contentTopics: ['a'],
        pagingInfo: { cursor: { index: { digest: 'AA==', senderTimeNs: bad } } },
      }),
      () => ({ contentTopics: ['a'], pagingInfo: { limit: r.pick([-1, 1.5, 'x', 4294967296, 101, 1000]) } }),
      () => ({
        contentTopics: ['a'],
        pagingInfo: { direction: r.pick([3, -1, 'UP', 'sort_direction_ascending', 1.5]) },
      }),
    ])();
    return { kind: 'bad number', method: 'POST', path: API[1]!, body: json(body) };
  },
  // Oversized topics, with and without a valid token.
  (r) => {
    const long = '/xmtp/0/m-' + r.str(291 + r.int(500)) + '/proto';
    const headers = r.next() < 0.7 ? bearer() : undefined;
    return {
      kind: 'long topic',
      method: 'POST',
      path: API[0]!,
      body: json({ envelopes: [envelopeJson(long, T0, 'x')] }),
      headers,
    };
  },
  // Bodies over the cap (rare: they are big).
  (r) => {
    if (r.next() < 0.9) {
      return {
        kind: 'query rules',
        method: 'POST',
        path: API[1]!,
        body: json(
          r.pick([
            {},
            { contentTopics: [] },
            { contentTopics: null },
            { contentTopics: ['a'], pagingInfo: { limit: 101 } },
          ]),
        ),
      };
    }
    const message = Buffer.alloc(MAX_BODY).toString('base64');
    return {
      kind: 'body cap',
      method: 'POST',
      path: API[0]!,
      body: json({ envelopes: [{ contentTopic: 't', message }] }),
      headers: bearer(),
    };
  },
  // Forged, expired, future and garbage tokens.
  (r) => {
    const env = envelopeJson(topic(r), T0, 'x');
    const body = json({ envelopes: [env] });
    const decoded = xmtp.message_api.v1.Token.decode(Buffer.from(token, 'base64'));
    const variant = r.int(8);
    let value: string;
    if (variant === 0)
      value = createAuthToken(owner.bundle.identityKey, { nowMs: Date.now() - 2 * 3600_000 });
    else if (variant === 1)
      value = createAuthToken(owner.bundle.identityKey, { nowMs: Date.now() + 3600_000 });
    else if (variant === 2) {
      value = createAuthToken(owner.bundle.identityKey, {
        walletAddress: privateKeyToAccount(generatePrivateKey()).address,
      });
    } else if (variant === 3) {
      const authData = Uint8Array.from(decoded.authDataBytes);
      authData[r.int(authData.length)]! ^= 1 << r.int(8);
      value = b64(xmtp.message_api.v1.Token.encode({ ...decoded, authDataBytes: authData }).finish());
    } else if (variant === 4) {
      const sig = Uint8Array.from(decoded.authDataSignature!.ecdsaCompact!.bytes!);
      sig[r.int(64)]! ^= 1 << r.int(8);
      value = b64(
        xmtp.message_api.v1.Token.encode({
          ...decoded,
          authDataSignature: {
            ecdsaCompact: { bytes: sig, recovery: decoded.authDataSignature!.ecdsaCompact!.recovery },
          },
        }).finish(),
      );
    } else if (variant === 5) value = token.slice(0, r.int(token.length - 1));
    else if (variant === 6) value = r.str(r.int(200), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/=');
    else value = '';
    const scheme =
      variant === 7
        ? r.pick(['Basic x', 'bearer ' + token, 'Bearer', '', 'Token ' + token])
        : `Bearer ${value}`;
    return {
      kind: 'bad token',
      method: 'POST',
      path: API[0]!,
      body,
      headers: scheme === '' ? {} : { Authorization: scheme },
    };
  },
  // A valid token on someone else's contact or private-store topic.
  (r) => {
    const other = privateKeyToAccount(generatePrivateKey()).address;
    const t = r.pick([
      contactTopic(other),
      `/xmtp/0/privatestore-${other}/key_bundle/proto`,
      `/xmtp/0/contact-${owner.address.toLowerCase()}/proto`,
    ]);
    return {
      kind: 'restricted topic',
      method: 'POST',
      path: API[0]!,
      body: json({ envelopes: [envelopeJson(t, T0, 'x')] }),
      headers: bearer(),
    };
  },
  // Unknown paths.
  (r) => ({
    kind: 'unknown path',
    ...r.pick([{ method: 'GET' }, { method: 'POST', body: '{}' }]),
    path: r.pick([
      () => '/' + r.str(1 + r.int(30)),
      () => '/message/v1/' + r.str(1 + r.int(10)),
      () => '/message/v2/publish',
      () => '/message/v1/publish/',
      () => '/MESSAGE/v1/query',
      () => '/message/v1/publish%00',
      () => '/../message/v1/query',
    ])(),
  }),
  // Wrong methods on real paths.
  (r) => ({
    kind: 'wrong method',
    method: r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']),
    path: r.pick([...API, '/message/v1/subscribe-all']),
  }),
  // Bad batches and subscriptions.
  (r) => {
    if (r.next() < 0.5) {
      const body = r.pick([
        () => ({ requests: Array.from({ length: 51 + r.int(20) }, () => ({ contentTopics: ['a'] })) }),
        () => ({ requests: [{ contentTopics: ['a'] }, r.pick([{}, 1, 'x', null, { contentTopics: 'a' }])] }),
        () => ({ requests: 'x' }),
      ])();
      return { kind: 'bad batch', method: 'POST', path: API[2]!, body: json(body) };
    }
    return {
      kind: 'bad subscribe',
      method: 'POST',
      path: API[3]!,
      body: json({ contentTopics: r.pick(['a', 1, [1], [null], { a: 1 }]) }),
    };
  },
];

beforeAll(async () => {
  node = await startTestNode({ auth: true, maxBodyBytes: MAX_BODY });
  const account = privateKeyToAccount(generatePrivateKey());
  owner = {
    address: account.address,
    bundle: await createPrivateKeyBundle({
      getAddress: async () => account.address,
      signMessage: (message) => account.signMessage({ message }),
    }),
  };
  token = createAuthToken(owner.bundle.identityKey);
});
afterAll(() => node.close());

it(`answers ${COUNT} malformed requests with 4xx error bodies and keeps serving (seed ${SEED})`, async () => {
  const r = prng(SEED);
  const requests = Array.from({ length: COUNT }, (_, i) => ({ i, ...GENERATORS[i % GENERATORS.length]!(r) }));
  const failures: string[] = [];
  let cursor = 0;
  const worker = async () => {
    while (cursor < requests.length) {
      const req = requests[cursor++]!;
      const res = await fetch(node.url + req.path, {
        method: req.method,
        body: req.body,
        headers: req.headers,
      });
      const text = await res.text();
      let body: { code?: unknown; message?: unknown; details?: unknown } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const ok =
        res.status >= 400 &&
        res.status < 500 &&
        typeof body?.code === 'number' &&
        typeof body.message === 'string' &&
        Array.isArray(body.details) &&
        body.details.length === 0;
      if (!ok && failures.length < 10) {
        failures.push(
          `#${req.i} ${req.kind} ${req.method} ${req.path} ${req.body?.slice(0, 120)} -> ${res.status} ${text.slice(0, 120)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  expect(failures).toEqual([]);

  const metrics = await (await fetch(node.url + '/metrics')).text();
  expect(metrics).not.toMatch(/status="5\d\d"/);

  // Normal traffic afterwards.
  const t = contactTopic(owner.address);
  const pub = await post(
    node,
    '/message/v1/publish',
    { envelopes: [envelopeJson(t, T0, 'still here')] },
    bearer(),
  );
  expect(pub.status).toBe(200);
  const q = await post(node, '/message/v1/query', { contentTopics: [t] });
  expect(q.json.envelopes).toEqual([envelopeJson(t, T0, 'still here')]);
});
