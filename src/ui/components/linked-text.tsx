// Message text with its URLs and email addresses as links (src/ui/linkify.ts decides which). Text is only ever
// text: a link shows exactly its own target, which the title repeats in full for hover and focus.
import { linkify } from '@/ui/linkify';

export function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.kind === 'text' ? (
          segment.text
        ) : (
          <a key={i} href={segment.href} title={segment.href} target="_blank" rel="noopener noreferrer">
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}
