import { describe, expect, it } from 'vitest';
import { h } from 'preact';
import { ErrorNote } from '@/ui/components/field';
import { explainError, explainStoredError } from '@/ui/error-text';
import { renderToDom } from './render';

// Issue #16 item 5: every error on screen is a sentence saying what happened and what to do; the code and the
// technical message sit behind "Details".
describe('errors a person can act on', () => {
  it('turns the codes the background sends into sentences, keeping the detail', () => {
    const cases: [string, string, RegExp][] = [
      [
        'network_error',
        'cannot reach http://127.0.0.1:9/message/v1/query: TypeError: Failed to fetch',
        /Cannot reach the XMTP node \(http:\/\/127\.0\.0\.1:9\)\. Check your internet connection/,
      ],
      ['unauthenticated', 'node answered 401 (unauthenticated): bad token', /did not accept this identity/],
      [
        'resource_exhausted',
        'node answered 429 (resource_exhausted): slow down',
        /rate limit.*Wait a minute/,
      ],
      ['recipient_not_on_network', '0xabc has no contact bundle', /has not joined XMTP yet/],
      ['wallet_rejected', 'User rejected the request.', /declined the signature\. Try again/],
      ['wrong_password', 'wrong password', /not right\. Try again/],
      [
        'insecure_node_url',
        'node URL must use https (http only for localhost): http://x/',
        /^Node URL must use https/,
      ],
      ['internal', 'TypeError: x is undefined', /^Something went wrong\. Try again/],
      ['a_code_nobody_knows', 'TypeError: boom', /^Something went wrong/],
    ];
    for (const [code, message, sentence] of cases) {
      const shown = explainError({ code, message });
      expect(shown.text, code).toMatch(sentence);
      expect(shown.text, code).not.toMatch(/TypeError|Failed to fetch/);
      expect(shown.detail).toBe(`${code}: ${message}`);
    }
    expect(explainError(new TypeError('Failed to fetch')).text).not.toContain('TypeError');
    expect(explainError('The passwords do not match.')).toEqual({ text: 'The passwords do not match.' });
  });

  it("reads a failed send's stored reason, with or without its code", () => {
    expect(
      explainStoredError('network_error: cannot reach http://n:1/x: TypeError: Failed to fetch').text,
    ).toMatch(/^Cannot reach the XMTP node \(http:\/\/n:1\)/);
    expect(explainStoredError('cannot reach http://n:1/x: TypeError: Failed to fetch').text).toMatch(
      /^Cannot reach/,
    );
    expect(explainStoredError('anything else').text).toMatch(/^Something went wrong/);
  });

  it('shows the sentence, and the detail only behind a Details toggle', () => {
    const view = renderToDom(
      h(ErrorNote, { error: explainError({ code: 'vault_locked', message: 'the vault is locked' }) }),
    );
    expect(view.container.querySelector('[role=alert] > p')?.textContent).toBe(
      'The inbox is locked. Unlock it to continue.',
    );
    expect(view.container.querySelector('details summary')?.textContent).toBe('Details');
    expect(view.container.querySelector('details')?.hasAttribute('open')).toBe(false);
    expect(view.container.querySelector('details code')?.textContent).toBe(
      'vault_locked: the vault is locked',
    );
    view.unmount();
  });
});
