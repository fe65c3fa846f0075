import fs from 'node:fs';
import path from 'node:path';

/** Where the capture scripts save screens (listed in docs/ui.md). */
export const SCREENS_DIR = path.resolve('docs/screens');

/** Saves a captured screen as `docs/screens/<name>.txt`: trailing blanks and blank last lines dropped. */
export function saveScreen(name: string, screen: string): void {
  const text = screen.replace(/[ \t]+$/gm, '').replace(/\n+$/, '') + '\n';
  fs.writeFileSync(path.join(SCREENS_DIR, `${name}.txt`), text);
}
