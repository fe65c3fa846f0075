/**
 * Free-text view descriptions ("Xray Chest PA and Lateral", "CHEST 2V FRONTAL/LATERAL",
 * "AP portable upright") read into projections. A study can have several views; the
 * question generator needs the frontal one, so a study's stored `view` is its frontal
 * projection (`PA`/`AP`), `FRONTAL` when a frontal view is certain but its projection
 * is not, `LATERAL` for a lateral-only study, and null when nothing can be read.
 */
export type Projection = 'PA' | 'AP' | 'LATERAL';
export type CanonicalView = 'PA' | 'AP' | 'FRONTAL' | 'LATERAL';

export interface ParsedViews {
  /** Projections named, in PA, AP, LATERAL order. */
  projections: Projection[];
  /** A frontal view is present (named, or implied by a two-view chest series). */
  frontal: boolean;
  /** The study's view as the questions step reads it; null when the text names no view. */
  view: CanonicalView | null;
}

// Anonymised spans (Open-i's XXXX) would otherwise read as words.
const REDACTED = /x{2,}/gi;
const PA = /\bp\.?a\b|postero-?anterior/;
// Portable and supine films are taken AP (the detector sits behind a patient who cannot stand).
const AP = /\ba\.?p\b|antero-?posterior|\bportable\b|\bsupine\b/;
const LATERAL = /\blat(eral)?\b|\bll\b|\bcross-?table\b/;
const FRONTAL = /\bfrontal\b|\bsingle[- ]view\b|\bone[- ]view\b/;
// A two- or three-view chest series is a frontal and a lateral film.
const SERIES = /\b(2|3|two|three)\s*-?\s*(v|views?|images?)\b|\(\s*(2|3)\s*\)\s*views?\b/;
// "… and lateral" where an anonymised word stood for the frontal projection.
const AND_LATERAL = /\band\s+lat(eral)?\b/;

/** Parse one free-text view value. Exact MIMIC tokens ("PA", "LATERAL") read the same. */
export function parseViews(raw: string | null | undefined): ParsedViews {
  const text = (raw ?? '').replace(REDACTED, ' ').toLowerCase();
  const pa = PA.test(text);
  const ap = AP.test(text);
  const series = SERIES.test(text);
  const lateral = LATERAL.test(text) || series;
  const frontal = pa || ap || series || FRONTAL.test(text) || AND_LATERAL.test(text);
  const projections: Projection[] = [];
  if (pa) projections.push('PA');
  if (ap) projections.push('AP');
  if (lateral) projections.push('LATERAL');
  let view: CanonicalView | null = null;
  // Both PA and AP named ("AP/PA and lateral", a PA chest with an AP femur): the frontal projection is not known.
  if (pa !== ap) view = pa ? 'PA' : 'AP';
  else if (frontal) view = 'FRONTAL';
  else if (lateral) view = 'LATERAL';
  return { projections, frontal, view };
}

/** Tally of parsed views over a corpus, with the values that could not be read. */
export class ViewTally {
  readonly counts: Record<CanonicalView | 'unreadable' | 'missing', number> = {
    PA: 0,
    AP: 0,
    FRONTAL: 0,
    LATERAL: 0,
    unreadable: 0,
    missing: 0,
  };
  private readonly unread = new Map<string, number>();

  add(raw: string | null, view: CanonicalView | null): void {
    if (raw === null || raw.trim() === '') this.counts.missing++;
    else if (!view) {
      this.counts.unreadable++;
      const key = raw.trim().slice(0, 60);
      this.unread.set(key, (this.unread.get(key) ?? 0) + 1);
    } else this.counts[view]++;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** `PA 270, AP 6, FRONTAL 60, LATERAL 1, unreadable 5` (zero counts left out). */
  describe(): string {
    return Object.entries(this.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  }

  /** The most frequent unreadable values with their counts, or null when every value was read. */
  unreadableWarning(top = 5): string | null {
    if (this.counts.unreadable === 0) return null;
    const shown = [...this.unread]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([v, n]) => `"${v}" ×${n}`);
    const more = this.unread.size > top ? `, and ${this.unread.size - top} other values` : '';
    return `${this.counts.unreadable} view values name no PA, AP, frontal or lateral view (${shown.join(', ')}${more}); those studies have no known view`;
  }
}

/** The raw view text kept beside the parsed view, so a wrong parse can be seen and fixed. */
export const VIEW_TEXT_KEY = 'view_text';

/** A CSV/JSONL view value as stored: the parsed view, and the text it came from in `extra`. */
export function readView(raw: string | null): { view: CanonicalView | null; extra: Record<string, string> } {
  if (raw === null || raw.trim() === '') return { view: null, extra: {} };
  return { view: parseViews(raw).view, extra: { [VIEW_TEXT_KEY]: raw.trim() } };
}

export function isCanonicalView(v: string | null): v is CanonicalView {
  return v === 'PA' || v === 'AP' || v === 'FRONTAL' || v === 'LATERAL';
}
