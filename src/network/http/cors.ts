// CORS as the reference node answers it (docs/protocol.md §1.4, pkg/api/server.go).
export const CORS_ORIGIN = { 'Access-Control-Allow-Origin': '*' } as const;

export const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers':
    'Content-Type,Accept,Authorization,X-Client-Version,X-App-Version,Baggage,DNT,Sec-CH-UA,' +
    'Sec-CH-UA-Mobile,Sec-CH-UA-Platform,Sentry-Trace,User-Agent,x-libxmtp-version,x-app-version',
  'Access-Control-Allow-Methods': 'GET,HEAD,POST,PUT,PATCH,DELETE',
  'Access-Control-Max-Age': '600',
} as const;
