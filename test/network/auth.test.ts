// Publish authorization (docs/protocol.md §2.3) against a node with auth on: real tokens signed by
// identity keys that real wallets (viem) signed.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthToken } from '@/protocol/authn';
import { createPrivateKeyBundle } from '@/protocol/identity';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { contactTopic, privateStoreTopic } from '@/protocol/topics';
import { envelopeJson, post, startTestNode, T0 } from './helpers';
import type { TestNode } from './helpers';

// The node's clock is steered to test expiry without waiting an hour.
let clock = Date.now();
let node: TestNode;
let alice: { address: string; bundle: PrivateKeyBundleV1 };
let bob: { address: string; bundle: PrivateKeyBundleV1 };

async function identity() {
  const account = privateKeyToAccount(generatePrivateKey());
  const bundle = await createPrivateKeyBundle({
    getAddress: async () => account.address,
    signMessage: (message) => account.signMessage({ message }),
  });
  return { address: account.address, bundle };
}

const bearer = (who: { bundle: PrivateKeyBundleV1 }, nowMs = clock) => ({
  Authorization: `Bearer ${createAuthToken(who.bundle.identityKey, { nowMs })}`,
});

beforeAll(async () => {
  node = await startTestNode({ auth: true, now: () => clock });
  [alice, bob] = await Promise.all([identity(), identity()]);
});
afterAll(() => node.close());

describe('publish authorization', () => {
  it('accepts a valid token for the wallet’s own contact and private-store topics', async () => {
    const res = await post(
      node,
      '/message/v1/publish',
      {
        envelopes: [
          envelopeJson(contactTopic(alice.address), T0, 'bundle'),
          envelopeJson(privateStoreTopic(alice.address), T0, 'keys'),
          envelopeJson('/xmtp/0/m-abc/proto', T0, 'msg'),
        ],
      },
      bearer(alice),
    );
    expect(res.status).toBe(200);
  });

  it('refuses an envelope stamped more than 15 minutes ahead on its own private-store topic (issue #21)', async () => {
    const ahead = (minutes: number) => BigInt(clock + minutes * 60_000) * 1_000_000n;
    const far = await post(
      node,
      '/message/v1/publish',
      { envelopes: [envelopeJson(privateStoreTopic(alice.address), ahead(24 * 60), 'shadow')] },
      bearer(alice),
    );
    expect(far.status).toBe(400);
    expect(far.json.message).toBe(
      'timestamp too far in the future for a contact or private-store topic (more than 15 minutes ahead)',
    );
    // Clock skew within the window is fine, and other topics are not concerned.
    const near = await post(
      node,
      '/message/v1/publish',
      {
        envelopes: [
          envelopeJson(privateStoreTopic(alice.address), ahead(10), 'skewed clock'),
          envelopeJson('/xmtp/0/m-abc/proto', ahead(24 * 60), 'a message'),
        ],
      },
      bearer(alice),
    );
    expect(near.status).toBe(200);
  });

  it('refuses another wallet’s contact topic with 403', async () => {
    const res = await post(
      node,
      '/message/v1/publish',
      { envelopes: [envelopeJson(contactTopic(bob.address), T0, 'forged')] },
      bearer(alice),
    );
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ code: 7, message: 'publishing to restricted topic', details: [] });
  });

  it('compares the wallet case-sensitively, as the reference does', async () => {
    const res = await post(
      node,
      '/message/v1/publish',
      { envelopes: [envelopeJson(`/xmtp/0/contact-${alice.address.toLowerCase()}/proto`, T0, 'x')] },
      bearer(alice),
    );
    expect(res.status).toBe(403);
  });

  it('requires a token, with the reference texts', async () => {
    const body = { envelopes: [envelopeJson('/xmtp/0/m-x/proto', T0, 'x')] };
    const none = await post(node, '/message/v1/publish', body);
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ code: 16, message: 'authorization token is not provided', details: [] });
    const basic = await post(node, '/message/v1/publish', body, { Authorization: 'Basic abc' });
    expect(basic.json.message).toBe('unrecognized authorization scheme Basic');
    const garbage = await post(node, '/message/v1/publish', body, { Authorization: 'Bearer aGk=' });
    expect(garbage.status).toBe(401);
    expect(garbage.json.message).toBe('extracting token: missing identity key');
  });

  it('refuses expired tokens and tokens from the future', async () => {
    const body = { envelopes: [envelopeJson('/xmtp/0/m-x/proto', T0, 'x')] };
    const old = await post(node, '/message/v1/publish', body, bearer(alice, clock - 61 * 60_000));
    expect(old.status).toBe(401);
    expect(old.json.message).toBe('validating token: token expired');
    const future = await post(node, '/message/v1/publish', body, bearer(alice, clock + 10 * 60_000));
    expect(future.status).toBe(401);
    expect(future.json.message).toContain('future');
  });

  it('expires a token that was accepted once (the verified-token cache rechecks its age)', async () => {
    const headers = bearer(bob);
    const body = { envelopes: [envelopeJson(contactTopic(bob.address), T0, 'b')] };
    expect((await post(node, '/message/v1/publish', body, headers)).status).toBe(200);
    const saved = clock;
    clock += 61 * 60_000;
    try {
      const res = await post(node, '/message/v1/publish', body, headers);
      expect(res.status).toBe(401);
      expect(res.json.message).toBe('validating token: token expired');
    } finally {
      clock = saved;
    }
  });

  it('refuses a token whose AuthData names another wallet', async () => {
    const token = createAuthToken(alice.bundle.identityKey, { nowMs: clock, walletAddress: bob.address });
    const res = await post(
      node,
      '/message/v1/publish',
      { envelopes: [envelopeJson(contactTopic(bob.address), T0, 'x')] },
      { Authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(401);
    expect(res.json.message).toBe('validating token: wallet address mismatch');
  });

  it('does not ask queries and subscriptions for a token', async () => {
    const q = await post(node, '/message/v1/query', { contentTopics: [contactTopic(alice.address)] });
    expect(q.status).toBe(200);
    expect(q.json.envelopes).toHaveLength(1);
  });
});
