// A self-signed certificate for 127.0.0.1 and localhost (openssl, valid one day), and a fetch that trusts it,
// so tests run the node's https end to end without turning certificate checks off.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';

export interface TestCertificate {
  cert: string;
  key: string;
  /** The certificate's PEM, to trust it. */
  pem: string;
  /** fetch that trusts this certificate (and nothing else beyond the usual CAs). */
  fetch: typeof fetch;
  remove(): void;
}

export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(cert, 'utf8');
  const dispatcher = new Agent({ connect: { ca: pem } });
  const trusting = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  return { cert, key, pem, fetch: trusting, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
