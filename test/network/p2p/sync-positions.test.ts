// Sync positions on disk (sync-positions.ts): written at once the first time, then at most once per interval
// while they move, and whatever is left by flush(); a node started again reads what was written.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncPositions } from '@/network/sync/sync-positions';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function positionsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-sync-positions-'));
  dirs.push(dir);
  return join(dir, 'state', 'p2p-sync-positions.json');
}

const onDisk = (file: string): Record<string, string> => JSON.parse(readFileSync(file, 'utf8'));

describe('sync positions', () => {
  it('writes the first position at once, later ones at most once per interval, the rest on flush', () => {
    const file = positionsFile();
    const positions = new SyncPositions(file, 60_000);
    positions.set('peer-a', '5000');
    expect(onDisk(file)).toEqual({ 'peer-a': '5000' });
    positions.set('peer-a', '10000');
    positions.set('peer-b', '7');
    // Within the interval: kept in memory, not written yet.
    expect(positions.get('peer-a')).toBe('10000');
    expect(onDisk(file)).toEqual({ 'peer-a': '5000' });
    positions.flush();
    expect(onDisk(file)).toEqual({ 'peer-a': '10000', 'peer-b': '7' });
    expect(new SyncPositions(file).get('peer-b')).toBe('7');
  });

  it('writes every position when the interval is 0', () => {
    const file = positionsFile();
    const positions = new SyncPositions(file, 0);
    positions.set('peer-a', '1');
    positions.set('peer-a', '2');
    expect(onDisk(file)).toEqual({ 'peer-a': '2' });
  });

  it('keeps positions in memory only without a path', () => {
    const positions = new SyncPositions(undefined);
    positions.set('peer-a', '3');
    positions.flush();
    expect(positions.get('peer-a')).toBe('3');
  });
});
