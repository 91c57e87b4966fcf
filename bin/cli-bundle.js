// The CLI's sources as one esbuild bundle (split at its dynamic imports, npm packages left as imports), kept in
// node_modules/.cache/xmtp-inbox-cli/<newest source time>, built again whenever a source changes. A command then
// starts from plain JavaScript, where tsx would compile the same modules again on every run (a third of a second or
// more before any work). Each module keeps its own import.meta.url, so the files it finds beside itself (worker
// entries, migrations, the secp256k1 WebAssembly) are the checkout's. Undefined when esbuild cannot build it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'xmtp-inbox-cli');
const ENTRY = 'main.js';

/** The newest modification time of what the bundle is built from. */
function newestSource() {
  let newest = Math.max(
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
    statSync(join(ROOT, 'package.json')).mtimeMs,
  );
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

/** Each TypeScript module of ours sees its own file as import.meta.url, as it would unbundled. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/** Bundles older than this are removed when a new one is built (a command still running from one is long done). */
const KEEP_OLD_MS = 60 * 60 * 1000;

async function build(dir) {
  const esbuild = await import('esbuild');
  // Built beside its place and renamed into it, so a command starting meanwhile never runs half a bundle; each
  // build of other sources has its own directory, so a command running from an older one keeps its chunks.
  const next = `${dir}.${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { main: join(ROOT, 'src/cli/main.ts') },
    tsconfig: join(ROOT, 'tsconfig.json'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: next,
    plugins: [ownImportMetaUrl],
    logLevel: 'silent',
  });
  // The chunks are ES modules wherever the cache is (package.json of this directory says so).
  writeFileSync(join(next, 'package.json'), '{ "type": "module" }\n');
  try {
    renameSync(next, dir);
  } catch (e) {
    rmSync(next, { recursive: true, force: true });
    if (!existsSync(join(dir, ENTRY))) throw e; // (else another command built the same one first)
  }
  for (const old of readdirSync(CACHE)) {
    const path = join(CACHE, old);
    if (path !== dir && Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS)
      rmSync(path, { recursive: true, force: true });
  }
}

/** The bundle's entry, built first when missing or older than a source; undefined when it cannot be built. */
export async function cliBundle() {
  try {
    const dir = join(CACHE, String(Math.round(newestSource())));
    if (!existsSync(join(dir, ENTRY))) {
      mkdirSync(CACHE, { recursive: true });
      await build(dir);
    }
    return pathToFileURL(join(dir, ENTRY)).href;
  } catch {
    return undefined; // (a build error shows itself better from tsx, which runs the sources)
  }
}
