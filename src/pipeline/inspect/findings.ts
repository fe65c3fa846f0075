/** Findings of any stage (reference, raw model output, standardized, follow-up) in one comparable form. */
export type Polarity = 'pos' | 'unc' | 'neg';

export interface Finding {
  /** `polarity:name`, the unit a reviewer judges. */
  key: string;
  name: string;
  polarity: Polarity;
  attrs: string;
}

const POLARITY_ORDER: Record<Polarity, number> = { pos: 0, unc: 1, neg: 2 };
export const POLARITY_MARK: Record<Polarity, string> = { pos: '+', unc: '?', neg: '-' };

function findingKey(polarity: Polarity, name: string): string {
  return `${polarity}:${name.trim().toLowerCase()}`;
}

function attrText(v: unknown): string {
  if (v === null || v === undefined) return '';
  // Word lists (the reference) read like the model's strings: "right basilar", not "right/basilar".
  if (Array.isArray(v)) return v.map(attrText).filter(Boolean).join(' ');
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function attrsOf(v: unknown): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return '';
  const o = v as Record<string, unknown>;
  return ['location', 'level', 'type']
    .map((k) => attrText(o[k]))
    .filter(Boolean)
    .join(' · ');
}

function add(out: Map<string, Finding>, polarity: Polarity, name: string, attrs: string) {
  const n = name.trim();
  if (!n) return;
  const key = findingKey(polarity, n);
  if (!out.has(key)) out.set(key, { key, name: n.toLowerCase(), polarity, attrs });
}

/** A record or a list of names, as models and steps write them. */
function namesAndAttrs(v: unknown): Array<[string, string]> {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((n) => [n, '']);
  if (typeof v === 'string') return v.split(',').map((n) => [n, '']);
  if (v && typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([n, a]) => [n, attrsOf(a)]);
  return [];
}

/** KeyInfo in the strict or the raw form (lenient: models drift from the shape). */
export function fromKeyInfo(ki: unknown): Finding[] {
  const out = new Map<string, Finding>();
  if (!ki || typeof ki !== 'object') return [];
  const k = ki as Record<string, unknown>;
  for (const [n, a] of namesAndAttrs(k.entity)) add(out, 'pos', n, a);
  const ovc = k.opacity_vs_clear;
  if (ovc && typeof ovc === 'object') {
    const o = ovc as Record<string, unknown>;
    if ('opacity' in o) add(out, 'pos', 'opacity', attrsOf(o.opacity));
    // "clear" states the lungs have no opacity: the same claim as a negative finding.
    if ('clear' in o) add(out, 'neg', 'opacity', attrsOf(o.clear));
  }
  for (const [n, a] of namesAndAttrs(k.uncertain_entity)) add(out, 'unc', n, a);
  for (const [n] of namesAndAttrs(k.no_entity)) add(out, 'neg', n, '');
  return sortFindings([...out.values()]);
}

/** The rule-based reference record (entity attributes are word lists). */
export function fromReference(ref: unknown): Finding[] {
  const out = new Map<string, Finding>();
  if (!ref || typeof ref !== 'object') return [];
  const r = ref as Record<string, unknown>;
  for (const [n, a] of namesAndAttrs(r.entity)) add(out, 'pos', n, a);
  for (const [n] of namesAndAttrs(r.uncertain_entity)) add(out, 'unc', n, '');
  for (const [n] of namesAndAttrs(r.no_entity)) add(out, 'neg', n, '');
  return sortFindings([...out.values()]);
}

export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort((a, b) => POLARITY_ORDER[a.polarity] - POLARITY_ORDER[b.polarity] || a.name.localeCompare(b.name));
}

/** The present and uncertain findings of a stage as one comparable string (attributes ignored). */
function findingSignature(fs: readonly Finding[]): string {
  return fs
    .filter((f) => f.polarity !== 'neg')
    .map((f) => f.key)
    .sort()
    .join('\n');
}

/**
 * A stage's findings with their attributes, negatives included: two stages with equal
 * fingerprints show the same mark and attributes on every row, so no row gets a `≠`.
 */
export function stageFingerprint(fs: readonly Finding[]): string {
  return fs
    .map((f) => `${f.key}\t${f.attrs}`)
    .sort()
    .join('\n');
}

/** Whether two stages state different findings (ignoring attributes). */
export function disagree(a: readonly Finding[], b: readonly Finding[]): boolean {
  return findingSignature(a) !== findingSignature(b);
}
