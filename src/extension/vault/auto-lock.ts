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
  vault: Pick<Vault, 'lockIfIdle'>,
  idleMinutes: () => Promise<number>,
  onLocked: () => void,
): AutoLock {
  const check = async (idleMs?: number) => {
    const ms = idleMs ?? (await idleMinutes()) * 60_000;
    if (ms <= 0 || !(await vault.lockIfIdle(ms))) return false;
    onLocked();
    return true;
  };
  alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === AUTO_LOCK_ALARM) void check().catch(() => undefined);
  });
  void alarms.create(AUTO_LOCK_ALARM, { periodInMinutes: 1 });
  return { check };
}

export interface AutoLock {
  /**
   * What each alarm tick does: locks when idle longer than the setting (or `idleMs`, which the e2e tests pass
   * to check a short idle time without waiting minutes for the alarm). Returns whether it locked.
   */
  check(idleMs?: number): Promise<boolean>;
}
