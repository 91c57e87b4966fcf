import { describe, expect, it } from 'vitest';
import { h } from 'preact';
import { act } from 'preact/test-utils';
import { StrengthMeter } from '@/ui/components/new-password';
import { passwordStrength } from '@/ui/password-strength';
import { renderToDom } from './render';

// Issue #21 item 6: a strength meter for the vault password, from zxcvbn-ts (not a hand-written rule).
describe('password strength', () => {
  it('rates common and patterned passwords low and long unusual ones high, with the reason', async () => {
    for (const weak of ['password1', 'qwertyuiop', '12345678', 'aaaaaaaaaa']) {
      expect((await passwordStrength(weak)).score, weak).toBeLessThanOrEqual(1);
    }
    expect(await passwordStrength('password1')).toMatchObject({
      label: expect.stringMatching(/weak/i),
      warning: expect.stringContaining('common'),
    });
    expect((await passwordStrength('violet tractor umbrella 19 kayak')).score).toBe(4);
  });

  it('shows the meter under a typed password only', async () => {
    const view = renderToDom(h(StrengthMeter, { password: '' }));
    expect(view.container.querySelector('meter')).toBeNull();
    view.unmount();
    const typed = renderToDom(h(StrengthMeter, { password: 'password1' }));
    await passwordStrength('password1'); // the estimator is loaded; let the component's promise settle
    await act(async () => undefined);
    expect(typed.container.querySelector('meter')?.getAttribute('value')).toBe('0');
    expect(typed.text()).toContain('commonly used password');
    typed.unmount();
  });
});
