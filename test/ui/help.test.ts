import { describe, expect, it } from 'vitest';
import { HINTS, KEYS } from '../../src/ui/help/Help.js';
import { SCREENS } from '../../src/ui/state/types.js';

describe('key hints', () => {
  it('every screen has a footer hint that fits 80 columns and a help entry', () => {
    for (const s of SCREENS) {
      expect([...HINTS[s]].length, s).toBeLessThanOrEqual(80);
      expect(KEYS[s].length, s).toBeGreaterThan(0);
    }
  });

  it('the review help says how to start a sample and change its size', () => {
    const text = KEYS.review.map(([k, d]) => `${k} ${d}`).join('\n');
    expect(text).toMatch(/Enter\s+start the seeded sample/);
    expect(text).toContain('+/-');
  });

  it('every help row fits the overlay box on one line (72 wide: border and padding leave 68)', () => {
    for (const [screen, rows] of Object.entries(KEYS)) {
      for (const [k, d] of rows) expect([...`${k.padEnd(10)} ${d}`].length, `${screen}: ${k}`).toBeLessThanOrEqual(68);
    }
  });
});
