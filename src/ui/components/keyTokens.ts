import type { Key } from 'ink';

/** One key as a handler sees it: ink's (input, key) pair. */
export interface KeyPress {
  input: string;
  key: Key;
}

const ESC = '\x1b';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

function blankKey(): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
  };
}

const press = (input: string, flags: Partial<Key> = {}): KeyPress => ({ input, key: { ...blankKey(), ...flags } });

/** CSI / SS3 final bytes (and `n~` codes) of the keys the app reacts to. */
const FINAL: Record<string, Partial<Key>> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
  Z: { tab: true, shift: true },
};
const TILDE: Record<string, Partial<Key>> = {
  '1': { home: true },
  '7': { home: true },
  '4': { end: true },
  '8': { end: true },
  '3': { delete: true },
  '5': { pageUp: true },
  '6': { pageDown: true },
};

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits what a terminal delivered in one read into keys, in order. Over SSH a
 * read often holds several keys (key repeat, text then Enter, a paste), and ink
 * hands a run of plain characters to its listeners as one string: "jjj", or
 * "ab\x7f\x7f\r", which a handler comparing `input === 'j'` or `key.return`
 * would drop or insert as text. Bracketed paste arrives as one key whose input
 * is the pasted text with its line breaks turned into spaces, so a paste never
 * submits a field half-way. Paste state spans reads (ink delivers the markers as
 * separate reads), hence an object rather than a function.
 */
export class KeyTokenizer {
  private paste: string | null = null;

  push(chunk: string): KeyPress[] {
    const out: KeyPress[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.paste !== null) {
        const end = chunk.indexOf(PASTE_END, i);
        this.paste += chunk.slice(i, end === -1 ? chunk.length : end);
        if (end === -1) break;
        out.push(press(this.paste.replace(/\r\n|[\r\n]/g, ' ')));
        this.paste = null;
        i = end + PASTE_END.length;
        continue;
      }
      if (chunk.startsWith(PASTE_START, i)) {
        this.paste = '';
        i += PASTE_START.length;
        continue;
      }
      const ch = chunk[i]!;
      if (ch === ESC) {
        const [key, next] = escapeSequence(chunk, i);
        if (key) out.push(key);
        i = next;
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        out.push(press('\r', { return: true }));
        i += ch === '\r' && chunk[i + 1] === '\n' ? 2 : 1;
        continue;
      }
      const code = ch.charCodeAt(0);
      if (ch === '\x7f' || ch === '\b') out.push(press('', { backspace: true }));
      else if (ch === '\t') out.push(press('\t', { tab: true }));
      else if (code < 0x20) out.push(press(String.fromCharCode(code + 96), { ctrl: true }));
      else {
        // A run of printable text: one key per grapheme (an emoji or accented letter is one key).
        let end = i;
        while (end < chunk.length && isPrintable(chunk.charCodeAt(end))) end++;
        for (const { segment } of graphemes.segment(chunk.slice(i, end)))
          out.push(press(segment, /^[A-Z]$/.test(segment) ? { shift: true } : {}));
        i = end;
        continue;
      }
      i++;
    }
    return out;
  }
}

function isPrintable(code: number): boolean {
  return code >= 0x20 && code !== 0x7f && code !== 0x1b;
}

/** The key an escape sequence at `i` stands for (null for one the app ignores) and where the next key starts. */
function escapeSequence(s: string, i: number): [KeyPress | null, number] {
  const kind = s[i + 1];
  if (kind === undefined) return [press('', { escape: true, meta: true }), i + 1];
  if (kind === '[' || kind === 'O') {
    let j = i + 2;
    while (j < s.length && /[0-9;:<=>?[]/.test(s[j]!)) j++;
    if (j >= s.length) return [null, s.length];
    const params = s.slice(i + 2, j);
    const final = s[j]!;
    const mods = modifiers(params);
    if (final === '~') {
      const flags = TILDE[params.split(';')[0] ?? ''];
      return [flags ? press('', { ...flags, ...mods }) : null, j + 1];
    }
    const flags = FINAL[final];
    return [flags ? press('', { ...flags, ...mods }) : null, j + 1];
  }
  if (kind === ESC) return [press('', { escape: true, meta: true }), i + 1];
  if (kind === '\x7f' || kind === '\b') return [press('', { backspace: true, meta: true }), i + 2];
  if (kind === '\r') return [press('\r', { return: true, meta: true }), i + 2];
  // Alt+letter: the letter with meta set.
  const cp = s.codePointAt(i + 1)!;
  const letter = String.fromCodePoint(cp);
  return [press(letter, { meta: true }), i + 1 + letter.length];
}

/** xterm modifier parameter ("1;5" = Ctrl): 2 shift, 3 alt, 5 ctrl, combinations add. */
function modifiers(params: string): Partial<Key> {
  const m = Number(params.split(';')[1] ?? '1') - 1;
  if (!Number.isFinite(m) || m <= 0) return {};
  return { shift: Boolean(m & 1), meta: Boolean(m & 2), ctrl: Boolean(m & 4) };
}
