export { ApiClient, type ApiClientOptions, type BatchQueryItem, type QueryOptions } from './api-client';
export { ApiError, type ApiErrorInfo } from './api-error';
export type { Envelope, SortDirection, Cursor } from './json';
export type { Authenticator, RetryOptions } from './node-requester';
export { messageId } from './seen-ids';
export type { WebSocketConstructor, WebSocketLike } from './stream-connection';
export {
  Subscription,
  type StreamTransport,
  type SubscribeOptions,
  type SubscriptionEvents,
  type SubscriptionState,
} from './subscription';
