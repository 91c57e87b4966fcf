// How an address reads where there is no room (or no name) for all of it: the popup's rows and header, the
// account switcher, and the background's notifications when there are several accounts.
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
