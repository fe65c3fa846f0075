import { isGapPattern, readDiseaseLibrary, type Disease } from '../names/diseases.js';
import { canonicalText } from '../names/normalize.js';
import type { FrequencyDicts } from '../standardize/dictionaries.js';
import type { PostPhraseLibrary } from './postLocations.js';
import { escapeRe } from '../util/regex.js';

/** Names added from the corpus that the original gives the location "lung". */
const LUNG_NAMES = new Set(['infiltration', 'pulmonary fibrosis', 'nodule', 'mass', 'cyst', 'cavity']);
/** Variants too generic to match inside a longer name ("enlarged" would claim any enlarged organ, §12). */
const EXACT_ONLY_VARIANTS = new Set(['enlarged']);
/** Presence questions never ask about these catch-all library names. */
const NOT_ASKED = /\b(abnormality|abnormalities|disease|finding|findings|impression|deformity)\b/;
export const isCatchAll = (official: string) => NOT_ASKED.test(official);

/**
 * The disease library as question generation names it. Gap patterns ("heart
 * ... enlarged") are for report text, not for entity names, and are left out.
 */
export function questionDiseases(diseases: readonly Disease[]): Disease[] {
  return diseases.map((d) => ({
    ...d,
    // The release names the lung-opacity class plainly "opacity" (§10).
    official: d.official === 'lung opacity' ? 'opacity' : d.official,
    variants: d.variants.filter((v) => !isGapPattern(v)),
  }));
}

/** The bundled (or `dir`'s) disease library, named for question generation. */
export function loadDiseaseLibrary(dir?: string): Disease[] {
  return questionDiseases(readDiseaseLibrary(dir));
}

/** In the original (Medical-Diff-VQA) library, not added by this project or from the corpus. */
export const isOriginal = (d: Disease) => d.origin !== 'added';

/**
 * Maps entity names to official names. Matching is on word boundaries (the
 * original's substring test found "effusion" in "effusions" but also "in" in
 * "minimal"); an exact variant wins, else the longest variant inside the name,
 * ties in library order. Results are cached: 227k records repeat few names.
 */
export class QuestionLibrary {
  readonly diseases: Disease[];
  private readonly matchers: Array<{ variant: string; official: string; re: RegExp | null; order: number }>;
  private readonly exact = new Map<string, string>();
  private readonly cache = new Map<string, string | null>();
  /** Official names presence questions may ask about (original library only, catch-alls excluded). */
  readonly askable: string[];
  /** Official names of the original library's rows, one per row, catch-alls included. */
  readonly originalRows: string[];

  constructor(
    base: readonly Disease[],
    dicts?: FrequencyDicts,
    readonly postPhrases?: PostPhraseLibrary,
  ) {
    this.diseases = base.map((d) => ({ ...d, variants: [...new Set([...d.variants, d.official].map(canonicalText))] }));
    this.matchers = [];
    this.rebuild();
    if (dicts) {
      // Extend with every corpus entity name no variant covers (§10).
      for (const [name] of dicts.entity) {
        const n = canonicalText(name);
        if (!n || this.officialName(n) !== null) continue;
        this.diseases.push({
          id: '',
          official: n,
          variants: [n],
          location: LUNG_NAMES.has(n) ? 'lung' : '',
          origin: 'corpus',
        });
        this.exact.set(n, n);
        this.cache.set(n, n);
      }
    }
    this.originalRows = base.filter(isOriginal).map((d) => d.official);
    this.askable = [...new Set(this.originalRows)].filter((n) => !isCatchAll(n));
  }

  private rebuild(): void {
    this.diseases.forEach((d, order) => {
      for (const v of d.variants) {
        if (!this.exact.has(v)) this.exact.set(v, d.official);
        this.matchers.push({
          variant: v,
          official: d.official,
          order,
          re: EXACT_ONLY_VARIANTS.has(v) ? null : new RegExp(`(?:^|[^a-z])${escapeRe(v)}(?:$|[^a-z])`),
        });
      }
    });
    this.matchers.sort((a, b) => b.variant.length - a.variant.length || a.order - b.order);
  }

  /** Official name for an entity name, or null when no variant matches. */
  officialName(name: string): string | null {
    // Cache by the name as given first: canonicalText is the costly part and names repeat.
    const asGiven = this.cache.get(name);
    if (asGiven !== undefined) return asGiven;
    const key = canonicalText(name);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.set(name, hit);
      return hit;
    }
    let found = this.exact.get(key) ?? null;
    if (found === null) {
      for (const m of this.matchers) {
        if (m.re && m.re.test(key)) {
          found = m.official;
          break;
        }
      }
    }
    this.cache.set(key, found);
    this.cache.set(name, found);
    return found;
  }
}
