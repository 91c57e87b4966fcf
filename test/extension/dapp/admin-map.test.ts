import { describe, expect, it } from 'vitest';
import { createAdminHandlers } from '@/extension/dapp/admin-handlers';
import { createApprovals } from '@/extension/dapp/approvals';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { dispatch } from '@/extension/messages/envelope';
import { DAPP_ADMIN_MESSAGE_TYPES } from '@/extension/messages/dapp';
import { createMemoryArea } from '../../helpers/memory-area';

// The admin map as the approval window and settings use it: every message has a handler, and requests and
// replies survive a JSON round trip (they cross extension messaging).
function setup() {
  const opened: string[] = [];
  const approvals = createApprovals({
    open: async (id) => (opened.push(id), opened.length),
    close: async () => undefined,
  });
  const permissions = createPermissionStore(createMemoryArea(), () => 5);
  const handlers = createAdminHandlers(approvals, permissions);
  const send = async (type: string, payload: unknown) =>
    JSON.parse(
      JSON.stringify(await dispatch(handlers, JSON.parse(JSON.stringify({ type, payload })), undefined)),
    );
  return { opened, approvals, permissions, handlers, send };
}

describe('admin map (approval window and connected sites)', () => {
  it('has a handler for every message', () => {
    const { handlers } = setup();
    expect(Object.keys(handlers).sort()).toEqual([...DAPP_ADMIN_MESSAGE_TYPES].sort());
  });

  it('shows a prompt to its window and takes the answer', async () => {
    const { opened, approvals, send } = setup();
    const asked = approvals.ask(
      { kind: 'access', origin: 'https://a.example', capabilities: ['inbox:read'] },
      async () => 'granted',
    );
    await new Promise((r) => setTimeout(r));
    expect(await send('dapp.approval.get', { id: opened[0] })).toEqual({
      result: { id: opened[0], kind: 'access', origin: 'https://a.example', capabilities: ['inbox:read'] },
    });
    expect(await send('dapp.approval.answer', { id: opened[0], approved: true })).toEqual({ result: null });
    await expect(asked).resolves.toBe('granted');
    expect(await send('dapp.approval.get', { id: opened[0] })).toEqual({ result: null });
    expect(await send('dapp.approval.answer', { id: opened[0], approved: true })).toMatchObject({
      error: { message: expect.stringContaining('no longer waiting') },
    });
  });

  it('lists connected sites and revokes one, cancelling its open prompt', async () => {
    const { approvals, permissions, send } = setup();
    await permissions.grant('https://a.example', ['inbox:read']);
    await permissions.grant('https://b.example', ['inbox:send'], 'b/');
    const pending = approvals.ask(
      { kind: 'access', origin: 'https://a.example', capabilities: ['inbox:send'] },
      async () => 1,
    );
    expect((await send('dapp.sites.list', {})).result.map((s: { origin: string }) => s.origin)).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(await send('dapp.sites.revoke', { origin: 'https://a.example' })).toEqual({ result: null });
    await expect(pending).rejects.toMatchObject({ code: 4001 });
    expect(await send('dapp.sites.list', {})).toEqual({
      result: [
        {
          origin: 'https://b.example',
          grants: [
            {
              invoker: 'https://b.example',
              parentCapability: 'inbox:send',
              caveats: [{ type: 'conversationIdPrefix', value: 'b/' }],
              date: 5,
            },
          ],
        },
      ],
    });
  });
});
