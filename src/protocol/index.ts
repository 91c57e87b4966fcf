// Public API of the protocol core (pure TypeScript: no DOM, no node:*).
// Auth tokens (§2) for the node: createAuthToken, verifyAuthToken, parseAuthorizationHeader,
// AuthTokenError; topic categories (auth rules, ephemerality): topicCategory.
// Client layer: Keyring (own keys, precomputed), contact bundles, private store, V1 messages,
// invitations, V2 messages, private preferences.
export * from './address';
export * from './authn';
export * from './batch';
export * from './bundles';
export * from './bytes';
export * from './cipher';
export * from './consent-proof';
export * from './contact';
export * from './dh';
export * from './errors';
export * from './hash';
export * from './identity';
export * from './invitation';
export * from './keyring';
export * from './keys';
export * from './message';
export * from './message-v1';
export * from './message-v2';
export * from './preferences';
export * from './private-store';
export * from './signature';
export * from './topics';
