import { describe, expect, it } from 'vitest';
import {
  contactTopic,
  conversationTopic,
  dmTopic,
  ephemeralTopic,
  introTopic,
  inviteTopic,
  isValidTopic,
  privateStoreTopic,
  topicCategory,
  userPreferencesTopic,
} from '@/protocol/topics';

const A = '0x7E75Ee2a9f7D65E49cd8619b24B5731EbFa8064C';
const B = '0xFE4464Ea091FE9A8bE25BF7B413616b087F1D896';

describe('topics (§5)', () => {
  it('builds per-address topics with EIP-55 addresses whatever the input case', () => {
    expect(contactTopic(A.toLowerCase())).toBe(`/xmtp/0/contact-${A}/proto`);
    expect(privateStoreTopic(A)).toBe(`/xmtp/0/privatestore-${A}/key_bundle/proto`);
    expect(introTopic(A)).toBe(`/xmtp/0/intro-${A}/proto`);
    expect(inviteTopic(A)).toBe(`/xmtp/0/invite-${A}/proto`);
    expect(userPreferencesTopic('abc')).toBe('/xmtp/0/userpreferences-abc/proto');
    expect(() => contactTopic('bob')).toThrow(expect.objectContaining({ code: 'invalid_address' }));
  });

  it('sorts dm addresses with JavaScript string order, in both argument orders', () => {
    const expected = `/xmtp/0/dm-${A}-${B}/proto`;
    expect(dmTopic(A, B)).toBe(expected);
    expect(dmTopic(B.toLowerCase(), A)).toBe(expected);
    // Uppercase sorts before lowercase: 0xAb… < 0xa1…
    const upper = '0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B';
    const lower = '0xa1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const topic = dmTopic(lower, upper);
    expect(topic.indexOf(upper)).toBeLessThan(topic.indexOf('0xa1'));
    expect(dmTopic(A, B, true)).toBe(`/xmtp/0/dmE-${A}-${B}/proto`);
  });

  it('derives ephemeral twins of conversation topics only', () => {
    expect(ephemeralTopic(dmTopic(A, B))).toBe(`/xmtp/0/dmE-${A}-${B}/proto`);
    expect(ephemeralTopic(conversationTopic('abc'))).toBe('/xmtp/0/mE-abc/proto');
    expect(ephemeralTopic(contactTopic(A))).toBe(contactTopic(A));
  });

  it('accepts ASCII 0x21–0x7F topics and rejects others like xmtp-js isValidTopic', () => {
    expect(isValidTopic(conversationTopic('a+b-c_d='))).toBe(true);
    for (const bad of ['∫ß', '\xA9', '♥', 'a b', '\x1f']) {
      expect(isValidTopic(conversationTopic(bad))).toBe(false);
    }
  });

  it('categorises topics as the node does (§2.3)', () => {
    expect(topicCategory(contactTopic(A))).toEqual({
      category: 'contact',
      address: A,
      ephemeral: false,
      xmtp0: true,
    });
    expect(topicCategory(privateStoreTopic(A))).toEqual({
      category: 'privatestore',
      address: A,
      ephemeral: false,
      xmtp0: true,
    });
    expect(topicCategory(`/xmtp/0/contact-${A.toLowerCase()}/proto`).address).toBe(A.toLowerCase());
    expect(topicCategory(introTopic(A)).category).toBe('intro');
    expect(topicCategory(inviteTopic(A)).address).toBe(A);
    expect(topicCategory(dmTopic(A, B))).toEqual({ category: 'dm', ephemeral: false, xmtp0: true });
    expect(topicCategory(dmTopic(A, B, true))).toEqual({ category: 'dmE', ephemeral: true, xmtp0: true });
    expect(topicCategory('/xmtp/0/m-abc/proto').category).toBe('m');
    expect(topicCategory('/xmtp/0/mE-abc/proto')).toEqual({ category: 'mE', ephemeral: true, xmtp0: true });
    expect(topicCategory('/xmtp/0/groupInvite-x/proto').category).toBe('groupInvite');
    expect(topicCategory('/xmtp/0/userpreferences-x/proto').category).toBe('userpreferences');
    expect(topicCategory('/xmtp/0/foo-x/proto').category).toBe('other');
    expect(topicCategory('/other/topic')).toEqual({ category: 'other', ephemeral: false, xmtp0: false });
  });
});
