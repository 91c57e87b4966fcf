// The pacing bucket behind the per-peer sync limits: a cost is always taken, and the answer is how long to
// wait until the bucket is out of debt at its rate.
import { describe, expect, it } from 'vitest';
import { Pacer } from '@/network/p2p/pacer';

describe('Pacer', () => {
  it('lets a full bucket through at once, then asks to wait until the debt is paid at the rate', () => {
    let now = 0;
    const pacer = new Pacer(100, 50, () => now);
    expect(pacer.take('peer', 50)).toBe(0);
    // 100 into debt at 100 a second: one second.
    expect(pacer.take('peer', 100)).toBe(1000);
    now = 400;
    // 40 paid back, 60 still owed; asking for nothing says how long that takes.
    expect(pacer.take('peer', 0)).toBe(600);
    now = 1000;
    expect(pacer.take('peer', 0)).toBe(0);
    // Refills no further than the burst.
    now = 60_000;
    expect(pacer.take('peer', 50)).toBe(0);
    expect(pacer.take('peer', 1)).toBe(10);
  });

  it('keeps a bucket per key', () => {
    const pacer = new Pacer(10, 10, () => 0);
    expect(pacer.take('a', 20)).toBe(1000);
    expect(pacer.take('b', 10)).toBe(0);
  });

  it('keeps a bucket in debt when it sweeps the full ones', () => {
    let now = 0;
    const pacer = new Pacer(1, 1, () => now);
    for (let i = 0; i < 1024; i++) pacer.take(`quiet ${i}`, 0);
    pacer.take('owing', 11);
    now = 1;
    pacer.take('new', 0);
    // The sweep on the 1025th key kept the one in debt: it still owes.
    expect(pacer.take('owing', 0)).toBe(10_000 - 1);
  });
});
