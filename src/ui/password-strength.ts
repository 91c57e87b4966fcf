// How hard a new vault password is to guess, from zxcvbn-ts (common passwords, names, words, keyboard patterns,
// dates, l33t). Loaded on first use: its dictionaries are large and only the screens that set a password need them.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export interface PasswordStrength {
  /** 0 (guessed at once) … 4 (very hard to guess). */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  /** What is wrong with it, when something is (e.g. "This is a commonly used password."). */
  warning?: string;
  suggestions: string[];
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Good', 'Strong'] as const;

let estimator: Promise<ZxcvbnFactory> | undefined;

function load(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      }),
  );
  return estimator;
}

export async function passwordStrength(
  password: string,
  userInputs: string[] = [],
): Promise<PasswordStrength> {
  const result = await (await load()).check(password, userInputs);
  const score = result.score as PasswordStrength['score'];
  const strength: PasswordStrength = {
    score,
    label: LABELS[score],
    suggestions: result.feedback.suggestions,
  };
  if (result.feedback.warning) strength.warning = result.feedback.warning;
  return strength;
}
