// `client.deviceSync` (docs/sync-format.md): a private channel between the installs of one identity. Notes are
// opaque bytes to the client; the app decides what they say (the extension sends its inbox state). Each note is
// sealed under a key only the identity can derive, on a topic only it can name; the node stores them like any
// other envelope.
import { deviceSyncTopic, openDeviceNote, sealDeviceNote, type DeviceSyncKey } from '@/protocol/device-sync';
import type { ApiClient } from './api/api-client';

export interface DeviceNote {
  /** The envelope's time (ns): where a reader resumes. */
  timestampNs: bigint;
  note: Uint8Array;
}

export interface DeviceSyncSubscription {
  close(): Promise<void>;
}

const NS_PER_MS = 1_000_000n;

export class DeviceSync {
  readonly topic: string;
  private lastPublishedMs = 0;

  constructor(
    private readonly api: Pick<ApiClient, 'publish' | 'subscribe'>,
    private readonly key: DeviceSyncKey,
    private readonly now: () => number = Date.now,
  ) {
    this.topic = deviceSyncTopic(key.secretKey);
  }

  /** Seals and publishes one note; each gets its own millisecond, so notes of one install keep their order. */
  async publish(note: Uint8Array): Promise<void> {
    const ms = Math.max(this.now(), this.lastPublishedMs + 1);
    this.lastPublishedMs = ms;
    const message = await sealDeviceNote(this.key, note);
    await this.api.publish([{ contentTopic: this.topic, timestampNs: BigInt(ms) * NS_PER_MS, message }]);
  }

  /**
   * Every note from `sinceNs` on (all of them when 0), then new ones as they arrive, each once, also across
   * reconnections. Envelopes that do not open (another key, corrupt) are skipped. `onLive` says when the
   * stream is connected (true) or reconnecting (false).
   */
  subscribe(
    sinceNs: bigint,
    onNote: (note: DeviceNote) => void,
    onLive?: (live: boolean) => void,
  ): DeviceSyncSubscription {
    const subscription = this.api.subscribe(
      [this.topic],
      (envelope) => {
        openDeviceNote(this.key, envelope.message).then(
          (note) => onNote({ timestampNs: envelope.timestampNs, note }),
          () => undefined,
        );
      },
      { since: { [this.topic]: sinceNs } },
    );
    if (onLive) {
      subscription.on('caught-up', () => onLive(true));
      subscription.on('disconnected', () => onLive(false));
    }
    return subscription;
  }
}
