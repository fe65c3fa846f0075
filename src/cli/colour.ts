/**
 * The one colour switch. Colour is off with NO_COLOR set to anything non-empty (no-color.org) or `--no-color`
 * anywhere on the command line. chalk, and so every Ink colour, decides its level once, when it loads, from
 * FORCE_COLOR: this module sets it, so it must be imported before anything that loads Ink (the entry's first
 * import). Child processes inherit the choice. The CLI's own line output never has escape codes.
 */
export function colourOff(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.NO_COLOR) || argv.includes('--no-color');
}

export function applyColourChoice(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): void {
  if (colourOff(argv, env)) env.FORCE_COLOR = '0';
}

applyColourChoice();
