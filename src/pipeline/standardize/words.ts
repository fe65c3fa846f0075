/**
 * Word lists of docs/method.md §9 and phrase matching on word boundaries (§12:
 * the original tested substrings, so "in" matched inside "minimal" and "left"
 * inside "cleft").
 */

export const PLURALS: ReadonlyMap<string, string> = new Map([
  ['fractures', 'fracture'],
  ['effusions', 'effusion'],
  ['opacities', 'opacity'],
  ['pneumothoraces', 'pneumothorax'],
  ['infiltrates', 'infiltrate'],
  ['consolidations', 'consolidation'],
  ['abnormalities', 'abnormality'],
  ['changes', 'change'],
  ['nodules', 'nodule'],
  ['markings', 'marking'],
  ['vessels', 'vessel'],
  ['findings', 'finding'],
  ['lungs', 'lung'],
  ['lesions', 'lesion'],
  ['volumes', 'volume'],
  ['granulomas', 'granuloma'],
  ['ribs', 'rib'],
  ['deformities', 'deformity'],
  ['complications', 'complication'],
  ['metastases', 'metastasis'],
  ['calcifications', 'calcification'],
  ['opacifications', 'opacification'],
  ['loops', 'loop'],
  ['clips', 'clip'],
  ['osteophytes', 'osteophyte'],
  ['structures', 'structure'],
  ['densities', 'density'],
  ['hemidiaphragms', 'hemidiaphragm'],
  ['interstital', 'interstitial'],
]);

/** The original's list lacked a comma after "enlarging", fusing it with "new" (§12); both are here. */
export const MODIFIERS = [
  'enlarging',
  'new',
  'frank',
  'enlarged',
  'areas of',
  'increase in',
  'increasing',
  'increased',
  'decreased',
  'decreasing',
  'definite',
];

export const LOCATION_WORDS = [
  'right middle lobes',
  'right middle lobe',
  'right upper lobes',
  'right upper lobe',
  'right lower lobes',
  'right lower lobe',
  'left upper lobes',
  'left upper lobe',
  'left lower lobes',
  'left lower lobe',
  'left-sided',
  'left sided',
  'left side',
  'right-sided',
  'right sided',
  'right side',
  'left-ward',
  'right-ward',
  'left',
  'right',
  'bilateral',
  'both',
  'upper',
  'lower',
  'middle',
  'upper lung',
  'upper lobe',
  'middle lung',
  'middle lobe',
  'lower lung',
  'lower lobe',
  'at the base',
  'within the lung',
  'in the lung',
];

export const LEVEL_WORDS = ['larger', 'large', 'smaller', 'small'];

export const TYPE_WORDS = [
  'acute focal',
  'clear',
  'multifocal',
  'focal',
  'acute',
  'displaced',
  'confluent',
  'tension',
  'asymmetric',
  'chronic',
  'central',
  'post procedure',
  'superimposed',
  'layering',
  'post-procedural',
  'significant',
  'discrete',
];

/** Keys that name attributes, never entities. */
export const ATTR_KEYS: ReadonlySet<string> = new Set(['location', 'level', 'type']);

export function tokens(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}

/**
 * Collapse whitespace, trim and lower-case, so dictionary look-ups and
 * idempotence do not depend on spacing or case.
 */
export function normText(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

export interface PhraseMatch {
  phrase: string;
  start: number;
  /** Token index just past the match. */
  end: number;
}

/**
 * A phrase list indexed by first token: finding a match costs one Map look-up
 * per token of the name, whatever the list's length. At a position the longest
 * phrase wins ("left lower lobe" over "left").
 */
export class PhraseIndex {
  private readonly byFirst = new Map<string, string[][]>();

  constructor(phrases: Iterable<string>) {
    for (const p of phrases) {
      const t = tokens(normText(p));
      const first = t[0];
      if (first === undefined) continue;
      const list = this.byFirst.get(first) ?? [];
      list.push(t);
      this.byFirst.set(first, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.length - a.length);
  }

  /** First match scanning left to right; `accept` can veto a match (e.g. when nothing would remain). */
  find(words: readonly string[], accept: (m: PhraseMatch) => boolean = () => true): PhraseMatch | null {
    for (let i = 0; i < words.length; i++) {
      const list = this.byFirst.get(words[i]!);
      if (!list) continue;
      for (const p of list) {
        if (i + p.length > words.length) continue;
        let ok = true;
        for (let k = 1; k < p.length; k++) {
          if (words[i + k] !== p[k]) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const m = { phrase: p.join(' '), start: i, end: i + p.length };
        if (accept(m)) return m;
      }
    }
    return null;
  }

  /** Whether the words are entirely covered by phrases of the list. */
  covers(words: readonly string[]): boolean {
    if (words.length === 0) return false;
    let i = 0;
    while (i < words.length) {
      const rest = words.slice(i);
      const m = this.find(rest, (x) => x.start === 0);
      if (!m) return false;
      i += m.end;
    }
    return true;
  }
}

export const LOCATION_INDEX = new PhraseIndex(LOCATION_WORDS);
export const LEVEL_INDEX = new PhraseIndex(LEVEL_WORDS);

/**
 * Severity and kind words beyond §9's short lists ("mild pulmonary edema",
 * "patchy opacity"). Taken out of a name only when what remains is a known
 * entity, like the modifiers, so a name such as "interstitial lung disease" stays whole.
 */
export const LEVEL_EXTRA_WORDS = [
  'mild to moderate',
  'moderate to large',
  'moderate to severe',
  'mild',
  'mildly',
  'moderate',
  'moderately',
  'severe',
  'minimal',
  'minimally',
  'massive',
  'subtle',
  'trace',
  'tiny',
];
export const TYPE_EXTRA_WORDS = [
  'patchy',
  'interstitial',
  'compressive',
  'linear',
  'plate-like',
  'ground-glass',
  'calcified',
  'dense',
  'scattered',
  'loculated',
  'streaky',
  'hazy',
];
export const LEVEL_EXTRA_INDEX = new PhraseIndex(LEVEL_EXTRA_WORDS);
export const TYPE_EXTRA_INDEX = new PhraseIndex(TYPE_EXTRA_WORDS);
export const TYPE_INDEX = new PhraseIndex(TYPE_WORDS);
export const MODIFIER_INDEX = new PhraseIndex(MODIFIERS);

/** Words without the matched span. */
export function without(words: readonly string[], m: PhraseMatch): string[] {
  return [...words.slice(0, m.start), ...words.slice(m.end)];
}

/** Whether `phrase` occurs in `text` on word boundaries. */
export function hasPhrase(text: string, phrase: string): boolean {
  if (text === phrase) return true;
  let from = 0;
  for (;;) {
    const at = text.indexOf(phrase, from);
    if (at < 0) return false;
    const before = at === 0 || text[at - 1] === ' ' || text[at - 1] === ',';
    const afterIdx = at + phrase.length;
    const after = afterIdx === text.length || text[afterIdx] === ' ' || text[afterIdx] === ',';
    if (before && after) return true;
    from = at + 1;
  }
}

/**
 * Join two attribute values without losing either (the original overwrote):
 * null-safe, and a value already contained in the other is not repeated.
 */
export function combine(a: string | null, b: string | null, sep = ', '): string | null {
  if (a === null || a === '') return b === '' ? null : b;
  if (b === null || b === '') return a;
  if (hasPhrase(a, b)) return a;
  if (hasPhrase(b, a)) return b;
  return `${a}${sep}${b}`;
}
