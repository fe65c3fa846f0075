import { describe, expect, it } from 'vitest';
import { KeyTokenizer } from '../../src/ui/components/keyTokens.js';

/** Each key as a short name: the input, or the first flag set. */
function names(chunks: string[]): string[] {
  const t = new KeyTokenizer();
  return chunks.flatMap((c) =>
    t.push(c).map(({ input, key }) => {
      const flags = Object.entries(key)
        .filter(([k, v]) => v === true && k !== 'shift')
        .map(([k]) => k);
      return flags.length ? `<${flags.join('+')}${input && !key.return && !key.tab ? ':' + input : ''}>` : input;
    }),
  );
}

describe('key tokenizer (one terminal read → keys)', () => {
  it('splits a printable run into one key per character', () => {
    expect(names(['jjj'])).toEqual(['j', 'j', 'j']);
  });

  it('text, Backspaces and Enter in one read come out in order', () => {
    expect(names(['abc\x7f\x7f\r'])).toEqual(['a', 'b', 'c', '<backspace>', '<backspace>', '<return>']);
    expect(names(['x\b\n'])).toEqual(['x', '<backspace>', '<return>']);
    expect(names(['a\r\nb'])).toEqual(['a', '<return>', 'b']);
  });

  it('reads arrows, Home/End, Delete and PgUp/PgDn in CSI and SS3 forms, with modifiers', () => {
    expect(names(['\x1b[B\x1b[B\x1bOA\x1b[D\x1b[C'])).toEqual([
      '<downArrow>',
      '<downArrow>',
      '<upArrow>',
      '<leftArrow>',
      '<rightArrow>',
    ]);
    expect(names(['\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[3~\x1b[5~\x1b[6~'])).toEqual([
      '<home>',
      '<end>',
      '<home>',
      '<end>',
      '<delete>',
      '<pageUp>',
      '<pageDown>',
    ]);
    expect(names(['\x1b[1;5A'])).toEqual(['<upArrow+ctrl>']);
    expect(names(['\x1b[Z'])).toEqual(['<tab>']);
  });

  it('tells Escape, Alt+letter and Ctrl+letter apart', () => {
    expect(names(['\x1b'])).toEqual(['<escape+meta>']);
    expect(names(['\x1b\x1b'])).toEqual(['<escape+meta>', '<escape+meta>']);
    expect(names(['\x1bj'])).toEqual(['<meta:j>']);
    expect(names(['\x03'])).toEqual(['<ctrl:c>']);
    expect(names(['\t'])).toEqual(['<tab>']);
  });

  it('keeps an emoji or a combined character as one key', () => {
    expect(names(['肺👍🏽é'])).toEqual(['肺', '👍🏽', 'é']);
  });

  it('delivers a bracketed paste as one text key with its line breaks as spaces, across reads', () => {
    expect(names(['\x1b[200~line one\r\nline two\x1b[201~\r'])).toEqual(['line one line two', '<return>']);
    expect(names(['\x1b[200~', 'a\nb', 'c', '\x1b[201~', 'j'])).toEqual(['a bc', 'j']);
  });

  it('drops escape sequences the app has no use for instead of typing them', () => {
    expect(names(['\x1b[?1;2c', 'a', '\x1b[I'])).toEqual(['a']);
  });
});
