// The approval window's and settings' channel to the dapp API in the background (messages/dapp.ts admin map).
import browser from 'webextension-polyfill';
import { createCaller } from '@/extension/messages/envelope';
import type { DappAdminMessages } from '@/extension/messages/dapp';

export const dappCall = createCaller<DappAdminMessages>((request) => browser.runtime.sendMessage(request));
