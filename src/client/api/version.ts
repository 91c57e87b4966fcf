/** This package's version, sent as `X-Client-Version: xmtp-inbox/<version>` (a test keeps it equal to package.json). */
export const CLIENT_VERSION = '0.1.0';
