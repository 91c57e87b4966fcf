import { describe, expect, it } from 'vitest';
import { senderOrigin } from '@/extension/dapp/sender';

const ID = 'abcdefghijklmnopabcdefghijklmnop';

describe('the origin of a dapp call', () => {
  it("is the browser's origin of our content script's tab", () => {
    expect(
      senderOrigin(
        { id: ID, tab: {}, url: 'https://shop.example/cart?x=1', origin: 'https://shop.example' },
        ID,
      ),
    ).toBe('https://shop.example');
    // Firefox has no sender.origin: the URL's origin.
    expect(senderOrigin({ id: ID, tab: {}, url: 'http://127.0.0.1:5556/' }, ID)).toBe(
      'http://127.0.0.1:5556',
    );
  });

  it('is nobody for other extensions, extension pages, and non-web or opaque origins', () => {
    expect(senderOrigin({ id: 'other', tab: {}, url: 'https://shop.example/' }, ID)).toBeUndefined();
    expect(senderOrigin({ id: ID, url: `chrome-extension://${ID}/popup.html` }, ID)).toBeUndefined();
    expect(senderOrigin({ id: ID, tab: {}, url: 'file:///etc/passwd' }, ID)).toBeUndefined();
    expect(senderOrigin({ id: ID, tab: {}, url: 'https://a.example/', origin: 'null' }, ID)).toBeUndefined();
    expect(senderOrigin({ id: ID, tab: {}, url: 'not a url' }, ID)).toBeUndefined();
    expect(senderOrigin(undefined, ID)).toBeUndefined();
  });
});
