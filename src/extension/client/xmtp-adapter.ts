// The ClientAdapter over our XMTP client (src/client, docs/client-api.md). It runs in the service worker with the
// worker's fetch and WebSocket, and keeps the client's caches in IndexedDB.
import { Client, type Conversation } from '@/client';
import type { Envelope } from '@/client/api';
import type {
  ClientAdapter,
  ClientSession,
  ConversationInfo,
  IdentitySource,
  OutgoingContent,
} from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';
import { fromBase64, fromUtf8, toBase64, utf8 } from '@/protocol/bytes';
import {
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeReply,
  ContentTypeText,
} from '@/protocol/content';
import type { ClearablePersistence } from './idb-persistence';
import { createLocalWallet } from './local-wallet';
import { conversationInfo, messageInfo } from './records';

export interface XmtpAdapterDeps {
  persistence: ClearablePersistence;
  fetch?: typeof fetch;
  WebSocket?: unknown;
  appVersion?: string;
}

export interface XmtpClientAdapter extends ClientAdapter {
  /** Drops the client's caches (sign out). */
  reset(): Promise<void>;
}

export function createXmtpClientAdapter(deps: XmtpAdapterDeps): XmtpClientAdapter {
  const transport = {
    persistence: deps.persistence,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.WebSocket ? { WebSocket: deps.WebSocket } : {}),
    appVersion: deps.appVersion ?? 'xmtp-inbox-extension/0.1.0',
  };

  async function connect(source: IdentitySource, nodes: string[]): Promise<Client> {
    switch (source.kind) {
      case 'wallet':
        // A stored bundle is still enabled when one exists; a new one is published only when the user asked.
        return Client.create(source.signer, {
          nodes,
          ...transport,
          keyStorage: source.storeOnNetwork ? 'network' : 'local',
        });
      case 'generate':
        // No wallet will ever ask for the key back, so the encrypted bundle is not published (§4).
        return Client.create(createLocalWallet(), { nodes, ...transport, keyStorage: 'local' });
      case 'key':
        // A resumed session checks its contact bundle beside the stream, not before it: a round trip less on
        // every wake (more on a distant node); a check that fails is tried again at the next session start.
        return Client.create(null, {
          nodes,
          ...transport,
          keyBundle: fromBase64(source.keyBundle),
          publishContactInBackground: source.resumed === true,
        });
    }
  }

  return {
    async create(source, { nodes }) {
      return sessionOf(await connect(source, nodes));
    },
    reset: () => deps.persistence.clear(),
  };
}

function sessionOf(client: Client): ClientSession {
  const byTopic = new Map<string, Conversation>();
  const info = (conversation: Conversation): ConversationInfo => {
    byTopic.set(conversation.topic, conversation);
    return conversationInfo(conversation, client.contacts.consentState(conversation.peerAddress));
  };
  const find = async (topic: string): Promise<Conversation> => {
    if (!byTopic.has(topic)) (await client.conversations.listCached()).forEach(info);
    if (!byTopic.has(topic)) (await client.conversations.list()).forEach(info);
    const conversation = byTopic.get(topic);
    if (!conversation) throw new ExtensionError('unknown_conversation', `unknown conversation: ${topic}`);
    return conversation;
  };

  return {
    address: client.address,
    async exportKeyBundle() {
      return toBase64(client.exportKeyBundle());
    },
    async listConversations(onBatch) {
      await client.contacts.refreshConsentList().catch(() => undefined);
      if (!onBatch) return (await client.conversations.list()).map(info);
      const all: ConversationInfo[] = [];
      for await (const batch of client.conversations.listStream()) {
        const infos = batch.map(info);
        all.push(...infos);
        await onBatch(infos);
      }
      return all;
    },
    async messages(topic, { after, limit } = {}) {
      const conversation = await find(topic);
      const messages =
        after === undefined
          ? (await conversation.messages({ direction: 'descending', limit: limit ?? 100 })).reverse()
          : await conversation.messages({ startTime: new Date(after), ...(limit ? { limit } : {}) });
      return messages.map(messageInfo);
    },
    async messagesOf(queries) {
      // Batch queries (50 topics a request, docs/node-api.md): the never caught up get their latest page,
      // the others everything since `after`, following cursors where a first page was full.
      const conversations = await Promise.all(queries.map((q) => find(q.topic)));
      const latest = queries.flatMap((q, i) => (q.after === undefined ? [i] : []));
      const since = queries.flatMap((q, i) => (q.after === undefined ? [] : [i]));
      const [latestPages, sincePages] = await Promise.all([
        client.api.batchQuery(
          latest.map((i) => ({ contentTopics: [queries[i]!.topic], direction: 'descending', limit: 100 })),
        ),
        client.api.batchQueryAll(
          since.map((i) => ({
            contentTopics: [queries[i]!.topic],
            direction: 'ascending',
            startTimeNs: BigInt(queries[i]!.after!) * 1_000_000n,
          })),
        ),
      ]);
      const envelopes = new Array<Envelope[]>(queries.length);
      latest.forEach((at, k) => (envelopes[at] = [...latestPages[k]!].reverse()));
      since.forEach((at, k) => (envelopes[at] = sincePages[k]!));
      return Promise.all(
        conversations.map(async (c, i) => (await c.decodeAll(envelopes[i]!)).map(messageInfo)),
      );
    },
    async send(topic, content: OutgoingContent, options = {}) {
      const conversation = await find(topic);
      switch (content.type) {
        case 'text':
          return messageInfo(await conversation.send(content.text));
        case 'reply':
          return messageInfo(
            await conversation.send(
              { reference: content.reference, contentType: ContentTypeText, content: content.text },
              { contentType: ContentTypeReply },
            ),
          );
        case 'reaction':
          return messageInfo(
            await conversation.send(
              {
                reference: content.reference,
                action: content.action,
                content: content.emoji,
                schema: 'unicode',
              },
              { contentType: ContentTypeReaction },
            ),
          );
        case 'attachment':
          return messageInfo(
            await client.sendAttachment(
              conversation,
              { filename: content.filename, mimeType: content.mimeType, data: fromBase64(content.data) },
              {
                ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
                ...(options.onStage ? { onStage: options.onStage } : {}),
                ...(options.onProgress ? { onProgress: options.onProgress } : {}),
              },
            ),
          );
      }
    },
    async sendReadReceipt(topic) {
      const conversation = await find(topic);
      return messageInfo(await conversation.send({}, { contentType: ContentTypeReadReceipt }));
    },
    async newConversation(peerAddress, conversationId) {
      const conversation = await client.conversations.newConversation(
        peerAddress,
        conversationId ? { conversationId, metadata: {} } : undefined,
      );
      return info(conversation);
    },
    canMessage: (peerAddress) => client.canMessage(peerAddress),
    async setConsent(peerAddresses, consent) {
      await (consent === 'allowed'
        ? client.contacts.allow(peerAddresses)
        : client.contacts.deny(peerAddresses));
    },
    streamAll(handlers) {
      // One subscription (one WebSocket) for everything: the message stream also announces the conversations
      // it adds, from invitations, intros and the network list.
      const messages = client.conversations.streamAllMessages({
        onConnection: handlers.onConnection,
        onConversation: (conversation) => handlers.onConversation(info(conversation)),
      });
      void (async () => {
        try {
          for await (const message of messages) {
            // A message can arrive before its conversation's own stream event: announce the conversation first.
            if (!byTopic.has(message.topic)) handlers.onConversation(info(message.conversation));
            handlers.onMessage(messageInfo(message));
          }
        } catch (error) {
          handlers.onError(error);
        }
      })();
      return () => void messages.close();
    },
    deviceNotes: {
      publish: (text) => client.deviceSync.publish(utf8(text)),
      subscribe(sinceNs, onNote, onLive) {
        const subscription = client.deviceSync.subscribe(
          sinceNs,
          ({ timestampNs, note }) => {
            let text: string;
            try {
              text = fromUtf8(note);
            } catch {
              return; // sealed by our identity but not text: nothing a current install wrote
            }
            onNote({ timestampNs, text });
          },
          onLive,
        );
        return () => void subscription.close();
      },
    },
    close: () => client.close(),
  };
}
