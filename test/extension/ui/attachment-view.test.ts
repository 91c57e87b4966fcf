// Files in the thread, rendered with Preact into linkedom: what a person sees for an image, another file, a
// file that cannot be loaded, and a pending one (issue #16). The background is stood in for by `loadFile`.
import { h } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedAttachment } from '@/extension/attachments/attachment-content';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { AttachmentView, looksLikeImage } from '@/ui/components/attachment-view';
import { buildThread } from '@/ui/thread-model';
import { renderToDom, type Rendered } from './render';

const PNG_1x1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const made: string[] = [];
Object.assign(URL, {
  createObjectURL: (blob: Blob) => {
    const url = `blob:test/${made.length}-${blob.type}`;
    made.push(url);
    return url;
  },
  revokeObjectURL: (url: string) => made.splice(made.indexOf(url), 1),
});

let view: Rendered | undefined;
afterEach(() => view?.unmount());

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

describe('attachment view', () => {
  it('shows an image as a thumbnail from a blob: URL, and revokes it when the message goes', async () => {
    const asked: string[] = [];
    const loadFile = async (id: string): Promise<LoadedAttachment> => {
      asked.push(id);
      return { filename: 'dot.png', mimeType: 'image/png', data: PNG_1x1 };
    };
    view = renderToDom(
      h(AttachmentView, {
        id: 'm1',
        summary: { filename: 'dot.png', mimeType: 'image/png', size: 68, remote: false },
        pending: false,
        autoLoad: true,
        loadFile,
      }),
    );
    await flush();
    const img = view.container.querySelector('button.thumb img');
    expect(img?.getAttribute('src')).toMatch(/^blob:/);
    expect(img?.getAttribute('alt')).toBe('dot.png');
    expect(view.container.querySelector('button.thumb')?.getAttribute('aria-label')).toBe(
      'Open dot.png full size',
    );
    expect(asked).toEqual(['m1']);
    expect(made).toHaveLength(1);
    view.unmount();
    view = undefined;
    expect(made).toHaveLength(0);
  });

  it('shows another file as a card with name, size and Save, loading nothing until asked', async () => {
    const asked: string[] = [];
    view = renderToDom(
      h(AttachmentView, {
        id: 'm2',
        summary: { filename: 'report.pdf', size: 3_100_000, remote: true },
        pending: false,
        autoLoad: true,
        loadFile: async (id) => {
          asked.push(id);
          return { filename: 'report.pdf', mimeType: 'application/pdf', data: 'AAAA' };
        },
      }),
    );
    await flush();
    expect(view.text()).toContain('report.pdf');
    expect(view.text()).toContain('3.1 MB');
    expect(view.text()).toContain('Save');
    expect(asked).toEqual([]);
  });

  it('says why a file cannot be shown, with the details behind a toggle, never a broken image', async () => {
    view = renderToDom(
      h(AttachmentView, {
        id: 'm3',
        summary: { filename: 'cat.jpg', size: 1_000_000, remote: true },
        pending: false,
        autoLoad: true,
        loadFile: () =>
          Promise.reject({
            code: 'content_digest_mismatch',
            message: 'content digest does not match for https://x',
          }),
      }),
    );
    await flush();
    expect(view.container.querySelector('img')).toBeNull();
    expect(view.container.querySelector('[role="alert"] summary')?.textContent).toMatch(
      /changed after it was sent/,
    );
    expect(view.container.querySelector('[role="alert"] code')?.textContent).toContain(
      'content_digest_mismatch',
    );
    expect(view.text()).toContain('Try again');
  });

  it("does not load a stranger's image by itself: the card offers Show image", async () => {
    const asked: string[] = [];
    view = renderToDom(
      h(AttachmentView, {
        id: 'm4',
        summary: { filename: 'pixel.png', size: 5_000, remote: true },
        pending: false,
        autoLoad: false,
        loadFile: async (id) => {
          asked.push(id);
          return { filename: 'pixel.png', mimeType: 'image/png', data: PNG_1x1 };
        },
      }),
    );
    await flush();
    expect(asked).toEqual([]);
    expect(view.container.querySelector('img')).toBeNull();
    const button = [...view.container.querySelectorAll('button')].find((b) => b.textContent === 'Show image');
    expect(button).toBeDefined();
    await act(async () => {
      button!.dispatchEvent(new window.Event('click'));
      await new Promise((r) => setTimeout(r, 0));
    });
    await flush();
    expect(asked).toEqual(['m4']);
    expect(view.container.querySelector('button.thumb img')?.getAttribute('src')).toMatch(/^blob:/);
  });

  it('draws SVG and unknown types as files, and guesses remote images by name only until loaded', () => {
    expect(looksLikeImage({ filename: 'x.svg', mimeType: 'image/svg+xml', size: 1, remote: false })).toBe(
      false,
    );
    expect(looksLikeImage({ filename: 'x.png', mimeType: 'text/html', size: 1, remote: false })).toBe(false);
    expect(looksLikeImage({ filename: 'x.WEBP', size: 1, remote: true })).toBe(true);
    expect(looksLikeImage({ filename: 'x.exe', size: 1, remote: true })).toBe(false);
  });

  it('puts a file message in the thread as a file, with its name as its text', () => {
    const record: MessageRecord = {
      id: 'f1',
      topic: 't',
      senderAddress: '0x1',
      sentAt: 1,
      contentType: CONTENT_TYPES.remoteAttachment,
      content: { filename: 'a.zip', size: 10, remote: true },
      status: 'sent',
    };
    const [, item] = buildThread([record], '0x2');
    expect(item).toMatchObject({
      kind: 'message',
      item: { text: '📎 a.zip', attachment: { filename: 'a.zip', size: 10, remote: true } },
    });
  });
});
