import { describe, expect, it } from 'vitest';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { conversationInScope, findGrant } from '@/extension/dapp/scope';
import { createMemoryArea } from '../../helpers/memory-area';

const A = 'https://a.example';
const B = 'http://127.0.0.1:8080';

describe('permission store', () => {
  it('keeps EIP-2255-shaped grants per origin, in storage, and one origin never sees another', async () => {
    const area = createMemoryArea();
    const store = createPermissionStore(area, () => 1_700_000_000_000);
    expect(await store.get(A)).toEqual([]);
    await store.grant(A, ['inbox:read', 'inbox:send']);
    await store.grant(B, ['inbox:read'], 'shop.example/');
    expect(await store.get(A)).toEqual([
      { invoker: A, parentCapability: 'inbox:read', caveats: [], date: 1_700_000_000_000 },
      { invoker: A, parentCapability: 'inbox:send', caveats: [], date: 1_700_000_000_000 },
    ]);
    expect(await store.get(B)).toEqual([
      {
        invoker: B,
        parentCapability: 'inbox:read',
        caveats: [{ type: 'conversationIdPrefix', value: 'shop.example/' }],
        date: 1_700_000_000_000,
      },
    ]);
    expect(JSON.stringify(await store.get(B))).not.toContain(A);
    // A new store on the same storage (a restarted worker) reads the same grants.
    expect(await createPermissionStore(area).list()).toEqual(
      [
        { origin: B, grants: await store.get(B) },
        { origin: A, grants: await store.get(A) },
      ].sort((x, y) => x.origin.localeCompare(y.origin)),
    );
    expect(await store.get('__proto__')).toEqual([]);
  });

  it('replaces a capability on a new grant, revokes some or all, and reports every change', async () => {
    const store = createPermissionStore(createMemoryArea());
    const changes: [string, number][] = [];
    store.onChange((origin, grants) => changes.push([origin, grants.length]));
    await Promise.all([store.grant(A, ['inbox:read']), store.grant(A, ['inbox:send'])]);
    expect((await store.get(A)).map((g) => g.parentCapability).sort()).toEqual(['inbox:read', 'inbox:send']);
    await store.grant(A, ['inbox:read'], 'p/');
    expect(findGrant(await store.get(A), 'inbox:read')?.caveats).toEqual([
      { type: 'conversationIdPrefix', value: 'p/' },
    ]);
    expect(await store.revoke(A, ['inbox:send'])).toHaveLength(1);
    expect(await store.revoke(A)).toEqual([]);
    expect(await store.list()).toEqual([]);
    await store.grant(B, ['inbox:read']);
    await store.clear();
    expect(await store.get(B)).toEqual([]);
    expect(changes).toEqual([
      [A, 1],
      [A, 2],
      [A, 2],
      [A, 1],
      [A, 0],
      [B, 1],
      [B, 0],
    ]);
  });
});

describe('conversationIdPrefix caveat', () => {
  const grant = (value?: string) => ({
    invoker: A,
    parentCapability: 'inbox:read' as const,
    caveats: value === undefined ? [] : [{ type: 'conversationIdPrefix' as const, value }],
    date: 0,
  });

  it('lets an unlimited grant see every conversation', () => {
    expect(conversationInScope(grant(), {})).toBe(true);
    expect(conversationInScope(grant(), { conversationId: 'x' })).toBe(true);
  });

  it('limits a prefixed grant to conversation ids starting with the prefix, never one without an id', () => {
    const scoped = grant('shop.example/');
    expect(conversationInScope(scoped, { conversationId: 'shop.example/orders/1' })).toBe(true);
    expect(conversationInScope(scoped, { conversationId: 'shop.example/' })).toBe(true);
    expect(conversationInScope(scoped, { conversationId: 'evil.example/shop.example/' })).toBe(false);
    expect(conversationInScope(scoped, { conversationId: 'SHOP.example/orders/1' })).toBe(false);
    expect(conversationInScope(scoped, {})).toBe(false);
  });
});
