// Public API of the protocol core. Auth tokens (§2): createAuthToken, verifyAuthToken,
// parseAuthorizationHeader, AuthTokenError. Topic categories for the node: topicCategory.
export * from './address';
export * from './authn';
export * from './bundles';
export * from './bytes';
export * from './errors';
export * from './hash';
export * from './identity';
export * from './keys';
export * from './signature';
export * from './topics';
