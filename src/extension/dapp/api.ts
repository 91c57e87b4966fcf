// The dapp methods of window.xmtp (issue #6), answered in the background for one origin. Order of checks: the
// grant (4100, so a page without access learns nothing), then params (-32602), then the inbox's state (4900:
// locked or no identity — requests fail at once rather than wait, see docs/dapp-api.md "Dapp API").
import type { InboxService } from '@/extension/inbox/contract';
import { RPC_ERRORS, type Capability, type DappMethod, type Grant } from '@/extension/messages/dapp';
import type { Approvals } from './approvals';
import { disconnected, DappError, invalidParams, unauthorized } from './errors';
import type { DappConnection, DappEvents } from './events';
import {
  accessParams,
  canMessageParams,
  eventsParams,
  getMessagesParams,
  newConversationParams,
  noParams,
  revokeParams,
  sendMessageParams,
  getAttachmentParams,
} from './params';
import type { PermissionStore } from './permissions';
import { conversationIdInScope, conversationInScope, findGrant, prefixFromSite, prefixOf } from './scope';
import { toDappConversation, toDappMessage, toSendOnlyConversation } from './shapes';

export interface DappApiDeps {
  service: InboxService;
  permissions: PermissionStore;
  approvals: Approvals;
  events: DappEvents;
}

export type DappApi = (connection: DappConnection, method: DappMethod, params: unknown) => Promise<unknown>;

const CAPABILITY_NEEDED: Record<Capability, string> = {
  'inbox:read': 'read your XMTP inbox',
  'inbox:send': 'send XMTP messages',
};

export function createDappApi(deps: DappApiDeps): DappApi {
  const { service, permissions, approvals, events } = deps;

  async function needGrant(origin: string, capability: Capability): Promise<Grant> {
    const grant = findGrant(await permissions.get(origin), capability);
    if (!grant) {
      throw unauthorized(`${origin} may not ${CAPABILITY_NEEDED[capability]}: call xmtp_requestAccess first`);
    }
    return grant;
  }

  /** The inbox must be unlocked with an identity; otherwise 4900 at once (documented choice). */
  async function requireReady() {
    const state = await service.state();
    if (state.vault === 'empty') {
      throw disconnected(
        'XMTP Inbox has no identity yet: call xmtp_linkWallet or set one up in the extension',
      );
    }
    if (state.vault === 'locked') throw disconnected('XMTP Inbox is locked: unlock it in the extension');
    return state;
  }

  /** A conversation the grant covers. Outside a prefix, unknown and out-of-scope look the same (4100). */
  async function conversationFor(grant: Grant, topic: string) {
    const conversation = await service.getConversation(topic);
    if (conversation && conversationInScope(grant, conversation)) return conversation;
    if (prefixOf(grant) !== undefined)
      throw unauthorized(`not authorized for conversation ${JSON.stringify(topic)}`);
    throw invalidParams(`param topic: unknown conversation ${JSON.stringify(topic)}`);
  }

  async function matchingToday(prefix: string): Promise<{ matching?: number }> {
    if ((await service.state()).vault !== 'unlocked') return {};
    const all = await service.listConversations();
    return { matching: all.filter((c) => c.conversationId?.startsWith(prefix)).length };
  }

  const methods: Record<DappMethod, (connection: DappConnection, params: unknown) => Promise<unknown>> = {
    async xmtp_requestAccess({ origin }, raw) {
      const { capabilities, conversationIdPrefix } = accessParams(raw);
      const current = await permissions.get(origin);
      const covered = capabilities.every((capability) => {
        const grant = findGrant(current, capability);
        return grant && prefixOf(grant) === conversationIdPrefix;
      });
      if (covered) return current;
      return approvals.ask(
        conversationIdPrefix === undefined
          ? { kind: 'access', origin, capabilities }
          : {
              kind: 'access',
              origin,
              capabilities,
              conversationIdPrefix,
              prefixFromSite: prefixFromSite(origin, conversationIdPrefix),
              // What the prefix covers today, so the user sees what it means (unknown while locked).
              ...(await matchingToday(conversationIdPrefix)),
            },
        () => permissions.grant(origin, capabilities, conversationIdPrefix),
      );
    },

    async xmtp_getPermissions({ origin }, raw) {
      noParams(raw, 'xmtp_getPermissions');
      return permissions.get(origin);
    },

    async xmtp_revokePermissions({ origin }, raw) {
      await permissions.revoke(origin, revokeParams(raw));
      return null;
    },

    async xmtp_address({ origin }, raw) {
      await needGrant(origin, 'inbox:read');
      noParams(raw, 'xmtp_address');
      return (await requireReady()).address ?? null;
    },

    async xmtp_canMessage({ origin }, raw) {
      await needGrant(origin, 'inbox:read');
      const { address } = canMessageParams(raw);
      await requireReady();
      return service.canMessage(address);
    },

    async xmtp_listConversations({ origin }, raw) {
      const grant = await needGrant(origin, 'inbox:read');
      noParams(raw, 'xmtp_listConversations');
      await requireReady();
      const all = await service.listConversations();
      return all.filter((c) => conversationInScope(grant, c)).map(toDappConversation);
    },

    async xmtp_newConversation({ origin }, raw) {
      const grant = await needGrant(origin, 'inbox:send');
      const { peerAddress, conversationId } = newConversationParams(raw);
      if (!conversationIdInScope(grant, conversationId)) {
        throw unauthorized(
          `${origin} may only start conversations whose conversationId starts with ${JSON.stringify(prefixOf(grant))}`,
        );
      }
      await requireReady();
      const conversation = await service.newConversation(peerAddress, conversationId);
      // The conversation may have existed before: without inbox:read the page learns only how to address it,
      // not when it began or what the user decided about it.
      return findGrant(await permissions.get(origin), 'inbox:read')
        ? toDappConversation(conversation)
        : toSendOnlyConversation(conversation);
    },

    async xmtp_getMessages({ origin }, raw) {
      const grant = await needGrant(origin, 'inbox:read');
      const { topic, limit, before } = getMessagesParams(raw);
      await requireReady();
      await conversationFor(grant, topic);
      const messages = await service.listMessages(
        topic,
        before === undefined ? { limit } : { limit, before },
      );
      return messages.map(toDappMessage);
    },

    async xmtp_sendMessage({ origin }, raw) {
      const grant = await needGrant(origin, 'inbox:send');
      const { topic, content } = sendMessageParams(raw);
      await requireReady();
      await conversationFor(grant, topic);
      const record = await service.send(topic, content);
      if (record.status === 'failed') {
        throw new DappError(
          RPC_ERRORS.internal,
          `the message could not be sent: ${record.error ?? 'unknown error'}`,
        );
      }
      return toDappMessage(record);
    },

    async xmtp_getAttachment({ origin }, raw) {
      const grant = await needGrant(origin, 'inbox:read');
      const { topic, id } = getAttachmentParams(raw);
      await requireReady();
      await conversationFor(grant, topic);
      try {
        // Only a message of this (granted) conversation: the id alone must not reach another one's files.
        return await service.loadAttachment(id, { topic });
      } catch (error) {
        const { code, message: text } = error as { code?: string; message?: string };
        throw new DappError(RPC_ERRORS.resourceUnavailable, `${code ?? 'error'}: ${text ?? String(error)}`);
      }
    },

    async xmtp_subscribe(connection, raw) {
      await needGrant(connection.origin, 'inbox:read');
      return events.subscribe(connection, eventsParams(raw, 'xmtp_subscribe'));
    },

    async xmtp_unsubscribe(connection, raw) {
      return events.unsubscribe(connection, eventsParams(raw, 'xmtp_unsubscribe'));
    },

    async xmtp_linkWallet({ origin, tabId }, raw) {
      noParams(raw, 'xmtp_linkWallet');
      const state = await service.state();
      if (state.vault !== 'empty') {
        // Linking only creates an identity; which one exists is for granted origins to know.
        await needGrant(origin, 'inbox:read');
        return { address: state.address ?? null, created: false };
      }
      if (tabId === undefined) throw new DappError(RPC_ERRORS.internal, 'the requesting tab is unknown');
      return approvals.ask({ kind: 'linkWallet', origin }, async ({ password, storeOnNetwork }) => {
        const { nodes } = await service.getSettings();
        const linked = await service.linkWallet({
          password: password ?? '',
          nodes,
          tabId,
          storeOnNetwork: storeOnNetwork === true,
        });
        return { address: linked.address ?? null, created: true };
      });
    },
  };

  return (connection, method, params) => {
    const handler = Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : undefined;
    if (!handler)
      return Promise.reject(new DappError(RPC_ERRORS.unsupportedMethod, `unsupported method: ${method}`));
    return handler(connection, params);
  };
}
