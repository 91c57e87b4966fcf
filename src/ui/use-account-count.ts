// How many accounts this browser holds, for the screens whose words change when there are several (unlock,
// sign out, the approval window). 1 until the background answers, and if it cannot: the one-account wording is
// still true with several.
import { useEffect, useState } from 'preact/hooks';
import { call } from '@/ui/rpc';

export function useAccountCount(): number {
  const [count, setCount] = useState(1);
  useEffect(() => {
    call('accounts.list', {}).then(
      (accounts) => setCount(Math.max(1, accounts.length)),
      () => undefined,
    );
  }, []);
  return count;
}
