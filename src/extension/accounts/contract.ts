// Several accounts in one browser (issue #17 item 3): what the popup's account switcher and the background need
// beside the InboxService, which always speaks for the active account.
import type {
  IdentityKind,
  InboxService,
  InboxState,
  OnboardingInput,
  VaultStatus,
} from '@/extension/inbox/contract';

export interface AccountSummary {
  id: string;
  /** EIP-55; absent only for an account whose identity is not stored yet. */
  address?: string;
  identity?: IdentityKind;
  active: boolean;
  vault: VaultStatus;
  /** Unread messages as the toolbar badge counts them (0 while locked). */
  unread: number;
}

/** A new identity for an added account; `password` is the inbox password every account is kept under. */
export type AddAccountInput = OnboardingInput &
  ({ method: 'wallet'; tabId: number } | { method: 'local' } | { method: 'import'; keyBundle: string });

export interface AccountsApi {
  /** Every account, in the order added, with its unread count. */
  listAccounts(): Promise<AccountSummary[]>;
  /** Makes another account the active one (the popup, the badge and dapp pages then see only it). */
  switchAccount(id: string): Promise<InboxState>;
  /** Creates, links or imports another identity as a new account and makes it active. */
  addAccount(input: AddAccountInput): Promise<InboxState>;
}

/** The background's inbox: the active account's InboxService, and the accounts beside it. */
export type MultiAccountInbox = InboxService & AccountsApi;
