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
});
