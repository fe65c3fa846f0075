/** Whether the app can run here: a terminal on both ends, not CI, not a dumb terminal. (No Ink: the CLI asks this on every command.) */
export function isInteractive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY && !env.CI && env.TERM !== 'dumb');
}
