// Messages that match the inbox search (full text, from the worker's index), grouped by conversation, the
// query's words highlighted; choosing one opens its thread at that message.
import type { ConversationRecord } from '@/extension/cache/records';
import type { SearchHit, SearchResult } from '@/extension/search/message-index';
import { ErrorNote } from '@/ui/components/field';
import { listTime, shortAddress, type ShownError } from '@/ui/format';

/** What the full-text search shows for the current query: still searching, the groups found, or why it failed. */
export type MessageSearch =
  { state: 'searching' } | ({ state: 'done' } & SearchResult) | { state: 'failed'; error: ShownError };

export function MessageResults({
  search,
  conversations,
  onOpen,
}: {
  search: MessageSearch;
  conversations: ReadonlyMap<string, ConversationRecord>;
  onOpen(hit: SearchHit): void;
}) {
  if (search.state !== 'done')
    return (
      <section
        class="message-results"
        aria-label="Messages that match"
        aria-busy={search.state === 'searching'}
      >
        <h2 class="section-title">
          {search.state === 'searching' ? 'Searching messages…' : 'Search failed'}
        </h2>
        {search.state === 'failed' ? <ErrorNote error={search.error} /> : null}
      </section>
    );
  const { groups } = search;
  const count = groups.reduce((n, g) => n + g.hits.length, 0);
  return (
    <section class="message-results" aria-label="Messages that match">
      <h2 class="section-title">
        {count === 0 ? 'No message matches' : `In messages (${count}${search.truncated ? '+' : ''})`}
      </h2>
      {groups.map((group) => {
        const peer = conversations.get(group.topic)?.peerAddress;
        return (
          <div key={group.topic} class="result-group">
            <h3 class="mono" title={peer}>
              {peer ? shortAddress(peer) : 'Conversation'}
            </h3>
            <ul>
              {group.hits.map((hit) => (
                <li key={hit.id}>
                  <button type="button" class="result" onClick={() => onOpen(hit)}>
                    <span class="result-text">
                      {hit.parts.map((part, i) =>
                        part.match ? <mark key={i}>{part.text}</mark> : part.text,
                      )}
                    </span>
                    <time>{listTime(hit.sentAt)}</time>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
