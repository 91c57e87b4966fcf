import { describe, expect, it } from 'vitest';
import {
  accessParams,
  canMessageParams,
  eventsParams,
  getMessagesParams,
  newConversationParams,
  noParams,
  revokeParams,
  sendMessageParams,
} from '@/extension/dapp/params';

const PEER = '0x2222222222222222222222222222222222222222';

function invalid(run: () => unknown, named: string) {
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ code: -32602 });
    expect((error as Error).message).toContain(named);
    return;
  }
  throw new Error(`expected -32602 naming ${named}`);
}

describe('dapp method params', () => {
  it('takes params as an object or a one-element array, and asks for both capabilities by default', () => {
    expect(accessParams(undefined)).toEqual({ capabilities: ['inbox:read', 'inbox:send'] });
    expect(accessParams([{ capabilities: ['inbox:send', 'inbox:read'] }])).toEqual({
      capabilities: ['inbox:read', 'inbox:send'],
    });
    expect(accessParams({ capabilities: ['inbox:read'], conversationIdPrefix: 'shop.example/' })).toEqual({
      capabilities: ['inbox:read'],
      conversationIdPrefix: 'shop.example/',
    });
  });

  it('names the bad parameter of a request for access', () => {
    invalid(() => accessParams({ capabilities: 'inbox:read' }), 'capabilities');
    invalid(() => accessParams({ capabilities: ['inbox:admin'] }), 'capabilities');
    invalid(() => accessParams({ capabilities: [] }), 'capabilities');
    invalid(() => accessParams({ conversationIdPrefix: '' }), 'conversationIdPrefix');
    invalid(() => accessParams({ conversationIdPrefix: 'x'.repeat(201) }), 'conversationIdPrefix');
    invalid(() => accessParams({ capabilitys: ['inbox:read'] }), 'capabilitys');
    invalid(() => accessParams('inbox:read'), 'xmtp_requestAccess');
    invalid(() => accessParams([{}, {}]), 'xmtp_requestAccess');
  });

  it('checks addresses, topics, limits and text', () => {
    expect(canMessageParams({ address: ` ${PEER} ` })).toEqual({ address: PEER });
    invalid(() => canMessageParams({ address: '0x1234' }), 'address');
    expect(newConversationParams({ peerAddress: PEER, conversationId: 'a/b' })).toEqual({
      peerAddress: PEER,
      conversationId: 'a/b',
    });
    invalid(() => newConversationParams({ peerAddress: 5 }), 'peerAddress');
    invalid(() => newConversationParams({ peerAddress: PEER, conversationId: 7 }), 'conversationId');
    expect(getMessagesParams({ topic: '/xmtp/0/m-x/proto' })).toEqual({
      topic: '/xmtp/0/m-x/proto',
      limit: 50,
    });
    invalid(() => getMessagesParams({ topic: '/t', limit: 0 }), 'limit');
    invalid(() => getMessagesParams({ topic: '/t', limit: 1.5 }), 'limit');
    invalid(() => getMessagesParams({ topic: '/t', before: -1 }), 'before');
    invalid(() => getMessagesParams({}), 'topic');
    expect(sendMessageParams({ topic: '/t', content: 'hi' })).toEqual({
      topic: '/t',
      content: { type: 'text', text: 'hi' },
    });
    invalid(() => sendMessageParams({ topic: '/t', content: '' }), 'content');
    invalid(() => sendMessageParams({ topic: '/t', content: 'x'.repeat(40_000) }), 'content');
    invalid(() => sendMessageParams({ topic: '/t', content: { text: 'hi' } }), 'content.type');
    const id = 'ab'.repeat(32);
    expect(
      sendMessageParams({ topic: '/t', content: { type: 'reply', reference: id, text: 'yes' } }),
    ).toEqual({
      topic: '/t',
      content: { type: 'reply', reference: id, text: 'yes' },
    });
    expect(
      sendMessageParams({ topic: '/t', content: { type: 'reaction', reference: id, emoji: '👍' } }),
    ).toEqual({
      topic: '/t',
      content: { type: 'reaction', reference: id, emoji: '👍', action: 'added' },
    });
    invalid(
      () => sendMessageParams({ topic: '/t', content: { type: 'reply', reference: 'x', text: 'y' } }),
      'reference',
    );
    invalid(() => sendMessageParams({ topic: '/t', content: { type: 'reply', reference: id } }), 'text');
    invalid(
      () =>
        sendMessageParams({
          topic: '/t',
          content: { type: 'reaction', reference: id, emoji: '👍', action: 'x' },
        }),
      'action',
    );
    invalid(
      () =>
        sendMessageParams({
          topic: '/t',
          content: { type: 'reaction', reference: id, emoji: '👍', extra: 1 },
        }),
      'extra',
    );
  });

  it('checks events, revocations and methods without params', () => {
    expect(eventsParams(undefined, 'xmtp_subscribe')).toEqual(['message', 'conversation']);
    expect(eventsParams({ events: ['conversation'] }, 'xmtp_subscribe')).toEqual(['conversation']);
    invalid(() => eventsParams({ events: ['everything'] }, 'xmtp_subscribe'), 'events');
    expect(revokeParams(undefined)).toEqual(['inbox:read', 'inbox:send']);
    expect(revokeParams({ capabilities: ['inbox:send'] })).toEqual(['inbox:send']);
    invalid(() => revokeParams({ capabilities: 'all' }), 'capabilities');
    expect(() => noParams([], 'xmtp_address')).not.toThrow();
    invalid(() => noParams({ password: 'x' }, 'xmtp_linkWallet'), 'password');
  });
});
