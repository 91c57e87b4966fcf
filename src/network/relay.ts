// The relay carries published envelopes to every subscriber. Today it is in-process; a libp2p
// gossipsub relay between nodes (docs/design.md §1) implements the same interface: it publishes to
// its peers and calls the listeners for envelopes that arrive from them too.

export interface RelayEnvelope {
  contentTopic: string;
  timestampNs: bigint;
  message: Uint8Array;
}

export interface Relay {
  /** Sends an envelope to every listener (and, for a network relay, to the peers). */
  publish(envelope: RelayEnvelope): void;
  /** Registers a listener; returns the function that removes it. */
  onEnvelope(listener: (envelope: RelayEnvelope) => void): () => void;
  close(): Promise<void>;
}

/** A relay within one process: listeners are called synchronously, in publish order. */
export class LocalRelay implements Relay {
  private listeners: ((envelope: RelayEnvelope) => void)[] = [];

  publish(envelope: RelayEnvelope): void {
    for (const listener of this.listeners) listener(envelope);
  }

  onEnvelope(listener: (envelope: RelayEnvelope) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  async close(): Promise<void> {
    this.listeners = [];
  }
}
