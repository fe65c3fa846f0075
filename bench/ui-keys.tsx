/**
 * npm run bench:ui-keys
 * Prints how long a burst of keys delivered in one terminal read takes to reach
 * a text field (ink-testing-library, no terminal): typed text, a run of list
 * keys, and a bracketed paste.
 */
import { render } from 'ink-testing-library';
import { Text } from 'ink';
import React, { useState } from 'react';
import { LineInput } from '../src/ui/components/LineInput.js';
import { useKeys } from '../src/ui/components/useKeys.js';

const tick = () => new Promise((r) => setImmediate(r));

async function typed(n: number, wrap: (s: string) => string): Promise<number> {
  let got = '';
  const app = render(<LineInput focus onSubmit={(t) => (got = t)} />);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  app.stdin.write(wrap('x'.repeat(n)) + '\r');
  while (got.length !== n) await tick();
  const ms = performance.now() - t0;
  app.unmount();
  return ms;
}

/** A list that re-renders on every key (as the notebook does for j). */
function List({ onMoved }: { onMoved: (n: number) => void }) {
  const [n, setN] = useState(0);
  useKeys(
    (input) => {
      if (input === 'j') {
        setN((x) => x + 1);
        onMoved(n + 1);
      }
    },
    { isActive: true },
  );
  return <Text>{n}</Text>;
}

async function listKeys(n: number): Promise<number> {
  let moved = 0;
  const app = render(<List onMoved={(m) => (moved = m)} />);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  app.stdin.write('j'.repeat(n));
  while (moved !== n) await tick();
  const ms = performance.now() - t0;
  app.unmount();
  return ms;
}

for (const n of [50, 2000]) {
  const ms = await typed(n, (s) => s);
  console.log(`text field, ${n} characters + Enter in one read: ${ms.toFixed(1)} ms`);
}
const paste = await typed(20_000, (s) => `\x1b[200~${s}\x1b[201~`);
console.log(`text field, bracketed paste of 20,000 characters + Enter: ${paste.toFixed(1)} ms`);
for (const n of [10, 200]) {
  const ms = await listKeys(n);
  console.log(
    `list, ${n} × j in one read (one render each): ${ms.toFixed(1)} ms (${((ms * 1000) / n).toFixed(0)} µs/key)`,
  );
}
process.exit(0);
