// Every pointer a comment makes into the repository's documents must land (issue #20): a cited `.md` file
// exists, and each `§N.M` after it names a section of that file. A bare `§N.M` means docs/protocol.md, the
// wire protocol (docs/protocol.md says so at its top). A section is a heading that starts with its number
// (`## 8.`, `### 8.2`) or item M of a numbered list right under the heading numbered N (`§13.2`). RFC
// sections (`RFC 4648 §4`) point outside and are skipped. A file followed by a quoted title must have a heading
// with that text. The docs' own relative links must resolve too.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCANNED = ['src', 'test', 'scripts'];
const SOURCE = /\.(ts|tsx|cts|js|cjs|mjs|c|sql|html|css)$/;
const SELF = relative(ROOT, fileURLToPath(import.meta.url));
const BARE_TARGET = 'docs/protocol.md';

interface Citation {
  /** Where the pointer is: `path:line`. */
  at: string;
  /** Repository path of the cited document. */
  file: string;
  /** Section numbers cited in it (empty: the whole file). */
  sections: string[];
  /** A section cited by its heading's text (`docs/node.md "Limits and auth"`). */
  title?: string;
}

const SECTION = String.raw`§\s?(\d+(?:\.\d+)*)(?:\s?[–-]\s?(\d+(?:\.\d+)*))?`;
const RUN = new RegExp(String.raw`^\s*${SECTION}((?:\s*(?:,|and|/)\s*${SECTION})*)`);
const ONE = new RegExp(SECTION, 'g');
const DOC = /(?<![\w./-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g;
const TITLE = /^(?:'s)?\s*"([^"]+)"/;
// `README "Storage"`, as comments wrote before the README moved to docs/: still a pointer, so still checked.
const README_TITLE = /\bREADME(?!\.md)(?:'s)?\s*"([^"]+)"/g;

function sectionsOf(run: string): string[] {
  const out: string[] = [];
  for (const m of run.matchAll(ONE)) {
    out.push(m[1]);
    // A range `§3.3–3.4` names both ends.
    if (m[2]) out.push(m[2]);
  }
  return out;
}

/** The citations in one file's text. */
function findCitations(path: string, text: string): Citation[] {
  const found: Citation[] = [];
  text.split('\n').forEach((line, index) => {
    const at = `${path}:${index + 1}`;
    const taken: [number, number][] = [];
    for (const m of line.matchAll(DOC)) {
      const start = m.index;
      const end = start + m[0].length;
      const run = RUN.exec(line.slice(end));
      const sections = run ? sectionsOf(run[0]) : [];
      const title = run ? undefined : TITLE.exec(line.slice(end).trimStart())?.[1];
      taken.push([start, end + (run ? run[0].length : 0)]);
      found.push(title === undefined ? { at, file: m[1], sections } : { at, file: m[1], sections, title });
    }
    for (const m of line.matchAll(README_TITLE))
      found.push({ at, file: 'README.md', sections: [], title: m[1] });
    for (const m of line.matchAll(ONE)) {
      const start = m.index;
      if (taken.some(([a, b]) => start >= a && start < b)) continue;
      if (/RFC\s?\d+\s?$/.test(line.slice(0, start))) continue;
      found.push({ at, file: BARE_TARGET, sections: sectionsOf(m[0]) });
    }
  });
  return found;
}

/** The headings' texts of a markdown document, for citations by title. */
function headingsOf(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1].toLowerCase());
}

/** Section numbers a markdown document defines: numbered headings and numbered list items under them. */
function sectionsDefined(markdown: string): Set<string> {
  const defined = new Set<string>();
  let current: string | undefined;
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?(\s|$)/.exec(line);
    if (heading) {
      current = heading[1];
      defined.add(current);
      continue;
    }
    if (/^#{1,6}\s/.test(line)) {
      current = undefined;
      continue;
    }
    const item = /^(\d+)\.\s/.exec(line);
    if (item && current) defined.add(`${current}.${item[1]}`);
  }
  return defined;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'gen') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

function repositoryCitations(): Citation[] {
  return SCANNED.flatMap((top) => walk(join(ROOT, top)))
    .map((path) => relative(ROOT, path))
    .filter((path) => path !== SELF)
    .flatMap((path) => findCitations(path, readFileSync(join(ROOT, path), 'utf8')));
}

/** The dangling ones, as `where → what` lines. */
function dangling(citations: Citation[], read: (file: string) => string | undefined): string[] {
  const cache = new Map<string, { numbers: Set<string>; headings: string[] } | undefined>();
  const problems: string[] = [];
  for (const { at, file, sections, title } of citations) {
    if (!cache.has(file)) {
      const text = read(file);
      cache.set(
        file,
        text === undefined ? undefined : { numbers: sectionsDefined(text), headings: headingsOf(text) },
      );
    }
    const defined = cache.get(file);
    if (!defined) {
      problems.push(`${at} → ${file} (no such file in the repository)`);
      continue;
    }
    for (const section of sections) {
      if (!defined.numbers.has(section)) problems.push(`${at} → ${file} §${section} (no such section)`);
    }
    if (title !== undefined && !defined.headings.some((h) => h.includes(title.toLowerCase()))) {
      problems.push(`${at} → ${file} "${title}" (no heading with that text)`);
    }
  }
  return problems;
}

function readRepositoryFile(file: string): string | undefined {
  const path = join(ROOT, file);
  return existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
}

describe('citations in comments', () => {
  it('finds cited files with their sections, ranges and bare § marks', () => {
    const text = [
      '// see docs/design.md §5.3, §5.8 and the wire (§7.1)',
      '// keys (docs/protocol.md §3.3–3.4); base64 (RFC 4648 §4)',
      '// README.md',
      '// (docs/node.md "Limits and auth"; README "Storage")',
    ].join('\n');
    expect(findCitations('x.ts', text)).toEqual([
      { at: 'x.ts:1', file: 'docs/design.md', sections: ['5.3', '5.8'] },
      { at: 'x.ts:1', file: BARE_TARGET, sections: ['7.1'] },
      { at: 'x.ts:2', file: 'docs/protocol.md', sections: ['3.3', '3.4'] },
      { at: 'x.ts:3', file: 'README.md', sections: [] },
      { at: 'x.ts:4', file: 'docs/node.md', sections: [], title: 'Limits and auth' },
      { at: 'x.ts:4', file: 'README.md', sections: [], title: 'Storage' },
    ]);
  });

  it('takes numbered headings and numbered items under them as sections, not the items of fenced code', () => {
    const doc = [
      '## 13. Node',
      '1. **Publish**',
      '2. **Dedupe**',
      '### 13.9 Later',
      '```',
      '## 99. code',
      '```',
    ];
    expect([...sectionsDefined(doc.join('\n'))].sort()).toEqual(['13', '13.1', '13.2', '13.9']);
  });

  it('reports a missing file, a missing section and a missing heading', () => {
    const docs: Record<string, string> = { 'docs/a.md': '## 1. One\n### 1.1 Sub\n## Storage\n' };
    const problems = dangling(
      [
        { at: 'x.ts:1', file: 'docs/a.md', sections: ['1.1', '1.2'] },
        { at: 'x.ts:2', file: 'design.md', sections: ['1'] },
        { at: 'x.ts:3', file: 'docs/a.md', sections: [], title: 'storage' },
        { at: 'x.ts:4', file: 'docs/a.md', sections: [], title: 'Vault' },
      ],
      (file) => docs[file],
    );
    expect(problems).toEqual([
      'x.ts:1 → docs/a.md §1.2 (no such section)',
      'x.ts:2 → design.md (no such file in the repository)',
      'x.ts:4 → docs/a.md "Vault" (no heading with that text)',
    ]);
  });

  it('every file and section cited in src/, test/ and scripts/ exists in the repository', () => {
    const citations = repositoryCitations();
    // The scan must see the citations the code is full of, or this test proves nothing.
    expect(citations.length).toBeGreaterThan(300);
    expect(dangling(citations, readRepositoryFile)).toEqual([]);
  });
});

describe('links between the documents', () => {
  it('every relative link in README.md and docs/ points at a file that exists', () => {
    const pages = [
      'README.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((n) => n.endsWith('.md'))
        .map((n) => `docs/${n}`),
    ];
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(page), target))) broken.push(`${page} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
