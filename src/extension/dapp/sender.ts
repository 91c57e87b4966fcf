// Who is calling: the background trusts only the browser's description of a port's sender, never its payload.

/** The part of runtime.MessageSender this reads. */
export interface SenderInfo {
  id?: string;
  url?: string;
  origin?: string;
  tab?: unknown;
}

/**
 * The web origin of one of our content scripts (extension id matches, it runs in a tab, on http or https), or
 * undefined for anything else: other extensions, extension pages, opaque or file origins.
 */
export function senderOrigin(sender: SenderInfo | undefined, extensionId: string): string | undefined {
  if (!sender || sender.id !== extensionId || !sender.tab || !sender.url) return undefined;
  let origin = sender.origin;
  try {
    origin ??= new URL(sender.url).origin;
  } catch {
    return undefined;
  }
  return /^https?:\/\/[^/]+$/.test(origin) ? origin : undefined;
}

/** Whether a message comes from one of our own extension pages (popup, approval window), not a content script. */
export function fromExtensionPage(
  sender: SenderInfo | undefined,
  extensionId: string,
  extensionBaseUrl: string,
): boolean {
  return !!sender && sender.id === extensionId && !!sender.url?.startsWith(extensionBaseUrl);
}
