import type { Disease } from '../names/diseases.js';
import { escapeRe } from '../util/regex.js';

/**
 * Compiled matchers: every library term becomes one alternative of a single
 * regex with word boundaries (§12: "left" must not match "cleft"), built once
 * per process. Alternatives are ordered longest first so "pleural effusion"
 * wins over "effusion" at the same position.
 */

// A gap word may not be one that closes the statement ("heart size is normal, hila enlarged").
const WORD_GAP = String.raw`(?:[\s,/]+(?!(?:normal|unremarkable|and|but|however|while|whereas)(?![a-z0-9]))[a-z0-9'-]+){0,4}?[\s,/]+`;

/** Regex source of a library phrase: spaces match any whitespace run, hyphens are optional, `...` is a gap of up to 4 words. */
export function phrasePattern(phrase: string, plural = false): string {
  const words = phrase.trim().split(/\s+/);
  const parts: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '...') {
      parts.push('GAP');
      continue;
    }
    let src = w.split('-').map(escapeRe).join('[\\s-]?');
    if (plural && i === words.length - 1) src = pluralize(w, src);
    parts.push(src);
  }
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === 'GAP') {
      out += WORD_GAP;
      continue;
    }
    if (i > 0 && parts[i - 1] !== 'GAP') out += String.raw`[\s-]+`;
    out += p;
  }
  return out;
}

/** Regular English plurals of a term's last word ("opacity" → "opacities", "nodule" → "nodules"). */
function pluralize(word: string, src: string): string {
  if (/[^aeiou]y$/.test(word)) return `${src.slice(0, -1)}(?:y|ies)`;
  if (/(?:s|x|sh|ch)$/.test(word)) return `${src}(?:es)?`;
  if (/[a-z]$/.test(word)) return `${src}s?`;
  return src;
}

export interface DiseaseMatch {
  disease: Disease;
  start: number;
  end: number;
}

export interface DiseaseMatcher {
  /** All mentions in a lower-cased sentence, in text order, non-overlapping. */
  find(text: string): DiseaseMatch[];
}

export function compileDiseaseMatcher(diseases: readonly Disease[]): DiseaseMatcher {
  const alts: Array<{ src: string; disease: Disease; len: number; gap: boolean }> = [];
  // Which disease a matched text belongs to: literal variants by a key without spaces/hyphens
  // (cheaper than one capture group per variant), gapped variants by their own anchored regex.
  const literal = new Map<string, Disease>();
  for (const d of diseases) {
    for (const v of d.variants) {
      const gap = v.includes('...');
      alts.push({ src: phrasePattern(v, true), disease: d, len: v.replace(/\.\.\./g, '').length, gap });
      if (!gap) for (const form of pluralForms(v)) if (!literal.has(key(form))) literal.set(key(form), d);
    }
  }
  alts.sort((a, b) => b.len - a.len);
  const gapped = alts.filter((a) => a.gap).map((a) => ({ re: new RegExp(`^(?:${a.src})$`), disease: a.disease }));
  const re = new RegexGroup(alts.map((a) => a.src));
  const identify = (text: string): Disease | undefined =>
    literal.get(key(text)) ?? gapped.find((g) => g.re.test(text))?.disease;
  return {
    find(text) {
      const out: DiseaseMatch[] = [];
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      // A gapped match ("tortuous calcified aorta") may hide another finding inside its gap:
      // after one, scanning resumes inside it; a match strictly inside a gap is kept.
      let outer: DiseaseMatch | null = null;
      while ((m = re.exec(text)) !== null) {
        const start = m.index;
        const end = start + m[0].length;
        if (m[0].length === 0) re.lastIndex++;
        const disease = identify(m[0]);
        if (!disease) continue;
        if (outer && start < outer.end) {
          if (start === outer.start || end >= outer.end || disease === outer.disease) continue;
          out.push({ disease, start, end });
          continue;
        }
        const match = { disease, start, end };
        out.push(match);
        if (/\s/.test(m[0]) && !literal.has(key(m[0]))) {
          outer = match;
          re.lastIndex = start + (/^\S+/.exec(m[0])?.[0].length ?? 1);
        }
      }
      return out.sort((a, b) => a.start - b.start);
    },
  };
}

/** Pattern source per regex: V8 stops optimizing a regex whose source passes 20 KB, and runs it many times slower. */
const MAX_SOURCE = 15_000;

/**
 * Alternatives with word boundaries, split over several global regexes when one
 * would be too large, with the `exec`/`lastIndex` contract of a single one: the
 * leftmost match wins, at the same position the longer one (as longest-first
 * alternation gives).
 */
class RegexGroup {
  lastIndex = 0;
  private readonly res: RegExp[] = [];
  private pending: Array<{ from: number; m: RegExpExecArray | null } | null> = [];
  private text = '';

  constructor(sources: readonly string[]) {
    let chunk: string[] = [];
    let size = 0;
    const flush = () => {
      if (chunk.length) this.res.push(new RegExp(`(?<![a-z0-9])(?:${chunk.join('|')})(?![a-z0-9])`, 'g'));
      chunk = [];
      size = 0;
    };
    for (const src of sources) {
      if (size + src.length > MAX_SOURCE) flush();
      chunk.push(src);
      size += src.length + 1;
    }
    flush();
  }

  exec(text: string): RegExpExecArray | null {
    if (text !== this.text) {
      this.text = text;
      this.pending = this.res.map(() => null);
    }
    let best: RegExpExecArray | null = null;
    for (let i = 0; i < this.res.length; i++) {
      let p = this.pending[i];
      // A cached match is still the leftmost one if it was searched from here or earlier and starts here or later.
      if (!p || p.from > this.lastIndex || (p.m && p.m.index < this.lastIndex)) {
        const re = this.res[i]!;
        re.lastIndex = this.lastIndex;
        p = { from: this.lastIndex, m: re.exec(text) };
        this.pending[i] = p;
      }
      const m = p.m;
      if (m && (!best || m.index < best.index || (m.index === best.index && m[0].length > best[0].length))) best = m;
    }
    if (!best) {
      this.text = '';
      return null;
    }
    this.lastIndex = best.index + best[0].length;
    return best;
  }
}

function key(text: string): string {
  return text.replace(/[\s-]+/g, '');
}

/** The forms `pluralize` lets the regex accept. */
function pluralForms(v: string): string[] {
  if (/[^aeiou]y$/.test(v)) return [v, `${v.slice(0, -1)}ies`];
  if (/(?:s|x|sh|ch)$/.test(v)) return [v, `${v}es`];
  if (/[a-z]$/.test(v)) return [v, `${v}s`];
  return [v];
}

/**
 * `history`: a past condition, not a finding of this study ("history of pneumonia"): the mention is dropped.
 * `negation_end`: ends a negation (or history) scope only ("no effusion, with mild atelectasis").
 * `neutral`: a phrase that must not be read as a shorter cue inside it ("consistent with" is not "with").
 */
export type CueKind =
  'negation' | 'pseudo' | 'hedge' | 'hedge_weak' | 'likely' | 'termination' | 'history' | 'negation_end' | 'neutral';

export interface Cue {
  cue: string;
  kind: CueKind;
  position: 'pre' | 'post' | 'both' | 'around';
}

export interface CueMatch extends Cue {
  start: number;
  end: number;
}

export interface CueMatcher {
  find(text: string): CueMatch[];
}

export function compileCueMatcher(cues: readonly Cue[]): CueMatcher {
  const sorted = cues.filter((c) => c.cue).sort((a, b) => b.cue.length - a.cue.length);
  // Word boundaries around word cues only: "?" in "?pneumonia" is a cue. One shared boundary keeps the regex fast.
  const isWord = (c: Cue) => /^[a-z0-9]/.test(c.cue) && /[a-z0-9]$/.test(c.cue);
  const words = sorted.filter(isWord);
  const others = sorted.filter((c) => !isWord(c));
  const re = new RegExp(`(?<![a-z0-9])(?:${words.map((c) => `(${phrasePattern(c.cue)})`).join('|')})(?![a-z0-9])`, 'g');
  return {
    find(text) {
      const out: CueMatch[] = [];
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        let k = 1;
        while (k < m.length && m[k] === undefined) k++;
        const c = words[k - 1];
        if (c) out.push({ ...c, start: m.index, end: m.index + m[0].length });
      }
      // Punctuation cues are plain substrings; a regex alternative for them would slow every scan.
      if (others.length === 0) return out;
      for (const c of others)
        for (let at = text.indexOf(c.cue); at >= 0; at = text.indexOf(c.cue, at + c.cue.length))
          out.push({ ...c, start: at, end: at + c.cue.length });
      return out.sort((a, b) => a.start - b.start);
    },
  };
}
