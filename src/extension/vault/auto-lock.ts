// Idle auto-lock. A service worker cannot keep a timer across its own restarts, so a periodic browser alarm
// (which wakes the worker) checks the vault's last-activity time.
import type { Vault } from './vault';

/** The part of browser.alarms used here. */
export interface AlarmsArea {
  create(name: string, info: { periodInMinutes: number }): void | Promise<void>;
  onAlarm: { addListener(listener: (alarm: { name: string }) => void): void };
}

export const AUTO_LOCK_ALARM = 'xmtp-inbox/auto-lock';

/**
 * Registers the alarm and its listener. `idleMinutes` is read at each tick so a settings change applies at once;
 * `onLocked` lets the caller close the client session and tell the popup.
 */
export function installAutoLock(
  alarms: AlarmsArea,
  vault: Vault,
  idleMinutes: () => Promise<number>,
  onLocked: () => void,
): void {
  alarms.onAlarm.addListener((alarm) => {
    if (alarm.name !== AUTO_LOCK_ALARM) return;
    void (async () => {
      const minutes = await idleMinutes();
      if (minutes > 0 && (await vault.lockIfIdle(minutes * 60_000))) onLocked();
    })();
  });
  void alarms.create(AUTO_LOCK_ALARM, { periodInMinutes: 1 });
}
