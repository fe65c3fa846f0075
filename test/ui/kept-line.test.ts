import { describe, expect, it } from 'vitest';
import { keptLine } from '../../src/ui/components/rowCounts.js';

describe('what a stopped step kept', () => {
  it('names the total the step last reported when it kept one kind of record', () => {
    expect(keptLine({ kept: { reports: 23456 }, total: 50000 })).toBe('kept reports=23,456 of 50,000');
  });
  it('leaves the total out when it is unknown or when several kinds were kept', () => {
    expect(keptLine({ kept: { reports: 12 }, total: null })).toBe('kept reports=12');
    expect(keptLine({ kept: { raw: 3, gold: 2 }, total: 10 })).not.toContain(' of ');
    expect(keptLine({ kept: {}, total: 10 })).toBe('');
    expect(keptLine({ kept: null })).toBe('');
  });
});
