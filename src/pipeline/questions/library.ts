import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { FrequencyDicts } from '../standardize/dictionaries.js';
import { UserError } from '../util/errors.js';
import { dataPath } from '../util/paths.js';

/** One disease of the library: official name, surface variants, body location. */
export interface Disease {
  official: string;
  variants: string[];
  location: string;
  /** From the bundled disease_lib.csv (true) or added from the corpus's entity dictionary (false). */
  original: boolean;
}

export const DEFAULT_DISEASE_LIB = () => dataPath('libs', 'disease_lib.csv');

/** Names added from the corpus that the original gives the location "lung". */
const LUNG_NAMES = new Set(['infiltration', 'pulmonary fibrosis', 'nodule', 'mass', 'cyst', 'cavity']);
/** Variants too generic to match inside a longer name ("enlarged" would claim any enlarged organ, §12). */
const EXACT_ONLY_VARIANTS = new Set(['enlarged']);
/** Presence questions never ask about these catch-all library names. */
const NOT_ASKED = /\b(abnormality|abnormalities|disease|finding|findings|impression|deformity)\b/;

export function loadDiseaseLibrary(file = DEFAULT_DISEASE_LIB()): Disease[] {
  if (!fs.existsSync(file)) throw new UserError(`Disease library not found: ${file}`, 'Reinstall cxrvqa or restore data/libs/disease_lib.csv.');
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const out: Disease[] = [];
  for (const [i, row] of rows.entries()) {
    if (!row.official_name || !row.report_name) throw new UserError(`${file} row ${i + 2}: needs report_name and official_name`);
    // The release names the lung-opacity class plainly "opacity" (§10).
    const official = row.official_name === 'lung opacity' ? 'opacity' : row.official_name;
    const variants = row.report_name.split(';').map((v) => v.trim().toLowerCase()).filter(Boolean);
    out.push({ official, variants: [...new Set([...variants, official])], location: row.location ?? '', original: true });
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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

  constructor(base: readonly Disease[], dicts?: FrequencyDicts) {
    this.diseases = base.map((d) => ({ ...d, variants: [...d.variants] }));
    this.matchers = [];
    this.rebuild();
    if (dicts) {
      // Extend with every corpus entity name no variant covers (§10).
      for (const [name] of dicts.entity) {
        const n = name.trim().toLowerCase();
        if (!n || this.officialName(n) !== null) continue;
        this.diseases.push({ official: n, variants: [n], location: LUNG_NAMES.has(n) ? 'lung' : '', original: false });
        this.exact.set(n, n);
        this.cache.set(n, n);
      }
    }
    this.askable = [...new Set(base.map((d) => d.official))].filter((n) => !NOT_ASKED.test(n));
  }

  private rebuild(): void {
    this.diseases.forEach((d, order) => {
      for (const v of d.variants) {
        if (!this.exact.has(v)) this.exact.set(v, d.official);
        this.matchers.push({ variant: v, official: d.official, order, re: EXACT_ONLY_VARIANTS.has(v) ? null : new RegExp(`(?:^|[^a-z])${escapeRe(v)}(?:$|[^a-z])`) });
      }
    });
    this.matchers.sort((a, b) => b.variant.length - a.variant.length || a.order - b.order);
  }

  /** Official name for an entity name, or null when no variant matches. */
  officialName(name: string): string | null {
    const key = name.trim().toLowerCase();
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
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
    return found;
  }
}
