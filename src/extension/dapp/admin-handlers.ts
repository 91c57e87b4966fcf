// The background side of the admin map (messages/dapp.ts): the approval window's answers and settings' connected
// sites. Only our own extension pages reach it (dapp/install-dapp-api.ts checks the sender). The user's answers and
// revocations count as activity for the idle auto-lock; the window's own polling (approval.get) does not.
import type { Handlers } from '@/extension/messages/envelope';
import type { DappAdminMessages } from '@/extension/messages/dapp';
import type { Approvals } from './approvals';
import type { PermissionStore } from './permissions';

export function createAdminHandlers(
  approvals: Approvals,
  permissions: PermissionStore,
  userActive: () => void = () => undefined,
): Handlers<DappAdminMessages> {
  return {
    'dapp.approval.get': ({ id }) => approvals.get(String(id)),
    'dapp.approval.answer': async ({ id, approved, password, storeOnNetwork }) => {
      userActive();
      await approvals.answer(String(id), approved === true, {
        ...(typeof password === 'string' ? { password } : {}),
        ...(storeOnNetwork === true ? { storeOnNetwork: true } : {}),
      });
      return null;
    },
    'dapp.sites.list': () => permissions.list(),
    'dapp.sites.revoke': async ({ origin }) => {
      userActive();
      approvals.cancel(String(origin));
      await permissions.revoke(String(origin));
      return null;
    },
  };
}
