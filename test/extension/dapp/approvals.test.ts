import { describe, expect, it } from 'vitest';
import { createAdminHandlers } from '@/extension/dapp/admin-handlers';
import {
  createApprovals,
  MAX_OPEN_PROMPTS,
  MAX_REJECT_BACKOFF_MS,
  REJECT_BACKOFF_MS,
} from '@/extension/dapp/approvals';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { createMemoryArea } from '../../helpers/memory-area';

// Issue #21: what a page can do with the approval window. The windows are the browser's: here a recorder, and
// the clock is the test's.
function setup() {
  const clock = { now: 1_000_000 };
  const opened: string[] = [];
  const approvals = createApprovals(
    { open: async (id) => (opened.push(id), opened.length), close: async () => undefined },
    () => clock.now,
  );
  const tick = () => new Promise((r) => setTimeout(r));
  const access = (origin: string) =>
    approvals.ask({ kind: 'access', origin, capabilities: ['inbox:read'] }, async () => 'granted');
  return { clock, opened, approvals, tick, access };
}

describe('approval prompts', () => {
  it('back off per origin after a rejection, doubling while the user keeps rejecting, reset by an approval', async () => {
    const { clock, opened, approvals, tick, access } = setup();
    const first = access('https://spam.example');
    await tick();
    await approvals.answer(opened[0]!, false);
    await expect(first).rejects.toMatchObject({ code: 4001 });

    // At once again: refused without a window, saying when it may ask.
    await expect(access('https://spam.example')).rejects.toMatchObject({
      code: -32002,
      message: expect.stringMatching(/rejected .* may ask again in 5 s/),
    });
    expect(opened).toHaveLength(1);
    // Other origins are not held back by it.
    const other = access('https://other.example');
    await tick();
    expect(opened).toHaveLength(2);
    await approvals.answer(opened[1]!, true);
    await expect(other).resolves.toBe('granted');

    clock.now += REJECT_BACKOFF_MS;
    const second = access('https://spam.example');
    await tick();
    approvals.windowClosed(3); // closing the window is a rejection too
    await expect(second).rejects.toMatchObject({ code: 4001 });
    clock.now += REJECT_BACKOFF_MS;
    await expect(access('https://spam.example')).rejects.toMatchObject({ code: -32002 });
    clock.now += REJECT_BACKOFF_MS;
    const third = access('https://spam.example');
    await tick();
    await approvals.answer(opened[3]!, false);
    await expect(third).rejects.toMatchObject({ code: 4001 });
    clock.now += 4 * REJECT_BACKOFF_MS - 1;
    await expect(access('https://spam.example')).rejects.toMatchObject({ code: -32002 });
    clock.now += 1;
    const approved = access('https://spam.example');
    await tick();
    await approvals.answer(opened[4]!, true);
    await expect(approved).resolves.toBe('granted');

    // The approval reset the count: the next rejection waits the first step again.
    const after = access('https://spam.example');
    await tick();
    await approvals.answer(opened[5]!, false);
    await expect(after).rejects.toBeTruthy();
    clock.now += REJECT_BACKOFF_MS;
    const again = access('https://spam.example');
    await tick();
    expect(opened).toHaveLength(7);
    await approvals.answer(opened[6]!, true);
    await again;
  });

  it('never waits longer than the maximum, however often the user rejected', async () => {
    const { clock, opened, approvals, tick, access } = setup();
    for (let i = 0; i < 12; i++) {
      const asked = access('https://spam.example');
      await tick();
      await approvals.answer(opened[i]!, false);
      await expect(asked).rejects.toBeTruthy();
      clock.now += MAX_REJECT_BACKOFF_MS;
    }
    expect(opened).toHaveLength(12);
  });

  it(`keeps at most ${MAX_OPEN_PROMPTS} prompts open across origins`, async () => {
    const { opened, approvals, tick, access } = setup();
    const waiting = Array.from({ length: MAX_OPEN_PROMPTS }, (_, i) => access(`https://site${i}.example`));
    await tick();
    await expect(access('https://one-more.example')).rejects.toMatchObject({
      code: -32002,
      message: expect.stringContaining('already waiting'),
    });
    expect(opened).toHaveLength(MAX_OPEN_PROMPTS);
    await approvals.answer(opened[0]!, true);
    await waiting[0];
    const next = access('https://one-more.example');
    await tick();
    expect(opened).toHaveLength(MAX_OPEN_PROMPTS + 1);
    for (const id of opened.slice(1)) await approvals.answer(id, true);
    await Promise.all([...waiting, next]);
  });

  it("counts the user's answers and revocations as activity for the auto-lock, not the window's polling", async () => {
    const { opened, approvals, tick, access } = setup();
    let touched = 0;
    const handlers = createAdminHandlers(approvals, createPermissionStore(createMemoryArea()), () => {
      touched++;
    });
    const asked = access('https://a.example');
    await tick();
    await handlers['dapp.approval.get']({ id: opened[0]! }, undefined);
    await handlers['dapp.approval.get']({ id: opened[0]! }, undefined);
    await handlers['dapp.sites.list']({}, undefined);
    expect(touched).toBe(0);
    await handlers['dapp.approval.answer']({ id: opened[0]!, approved: true }, undefined);
    await asked;
    expect(touched).toBe(1);
    await handlers['dapp.sites.revoke']({ origin: 'https://a.example' }, undefined);
    expect(touched).toBe(2);
  });
});
