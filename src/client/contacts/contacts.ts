// `client.contacts`: consent (docs/protocol.md §11) through the ConsentManager, over this client's ApiClient.
import type { ConsentManager } from '@/client/consent/consent-manager';
import { type ConsentChange, type ConsentState } from '@/client/consent/consent-manager';
import type { Stream } from '@/client/stream';

export class Contacts {
  constructor(
    private readonly consent: ConsentManager,
    private readonly onClose: (closer: () => Promise<void>) => () => void = () => () => undefined,
  ) {}

  allow(addresses: string[]): Promise<void> {
    return this.consent.allow(addresses);
  }

  deny(addresses: string[]): Promise<void> {
    return this.consent.deny(addresses);
  }

  consentState(address: string): ConsentState {
    return this.consent.consentState(address);
  }

  async refreshConsentList(): Promise<void> {
    await this.consent.refresh();
  }

  /** Consent changes as they are published; ended by client.close() too. */
  streamConsentList(): Stream<ConsentChange> {
    const stream = this.consent.stream();
    const unregister = this.onClose(() => stream.close());
    return {
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
      close: async () => {
        unregister();
        await stream.close();
      },
    };
  }

  /** After a send: allow a peer we have no decision for yet, as xmtp-js does (§12.4). */
  async allowIfUnknown(address: string): Promise<void> {
    if (this.consent.consentState(address) === 'unknown') await this.consent.allow([address]);
  }
}
