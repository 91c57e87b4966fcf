// The benchmarks' command-line flags (after `npm run bench -- <suite>`): `--name=value` or a bare `--name`.
export const args = process.argv.slice(2);

/** The value of `--name=value`; undefined when the flag is absent or bare. */
export function flag(name: string): string | undefined {
  const found = args.find((a) => a.startsWith(`--${name}=`));
  return found?.slice(name.length + 3);
}

/** Whether `--name` was given, bare or with a value. */
export function has(name: string): boolean {
  return args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}
