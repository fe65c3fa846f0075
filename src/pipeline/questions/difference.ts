import type { Draft } from './generators.js';
import type { PreparedEntity } from './prepare.js';
import { inPlace, joinNames } from './phrases.js';
import type { Rng } from '../util/random.js';

/** What ordering needs about a study. */
export interface Timed {
  study_id: string;
  study_order: number | null;
  study_date: string | null;
}

const digitCache = new Map<string, string>();
function digits(d: string | null): string {
  if (!d) return '';
  let v = digitCache.get(d);
  if (v === undefined) {
    v = d.replace(/\D/g, '');
    if (digitCache.size < 100_000) digitCache.set(d, v);
  }
  return v;
}

/**
 * Whether `ref` was taken strictly before `main`: by study_order, then by study date.
 * Same-day studies are ranked by their order; an order that contradicts the
 * dates is not trusted (neither is earlier); equal or unknown order and date
 * never count as earlier. The predecessor paired
 * ~48% of its studies with a LATER reference; this is the guard.
 */
export function isStrictlyEarlier(ref: Timed, main: Timed): boolean {
  const rd = digits(ref.study_date);
  const md = digits(main.study_date);
  const datesKnown = rd.length > 0 && rd.length === md.length;
  const dateCmp = datesKnown ? (rd < md ? -1 : rd > md ? 1 : 0) : 0;
  if (ref.study_order !== null && main.study_order !== null && ref.study_order !== main.study_order) {
    return ref.study_order < main.study_order && dateCmp <= 0;
  }
  return dateCmp < 0;
}

/** A random strictly earlier study among `history` (same subject, eligible views), or null. */
export function pickReference<T extends Timed>(main: T, history: readonly T[], rng: Rng): T | null {
  const earlier = history.filter((h) => h.study_id !== main.study_id && isStrictlyEarlier(h, main));
  return earlier.length ? rng.pick(earlier) : null;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** The difference question between a main and a reference study (Medical-Diff-VQA, §10). */
export function differenceDraft(
  main: readonly PreparedEntity[],
  ref: readonly PreparedEntity[],
): Draft & { refEntities: string[] } {
  const refByName = new Map(ref.map((e) => [e.name, e]));
  const mainNames = new Set(main.map((e) => e.name));
  const changes: Array<{ e: PreparedEntity; r: PreparedEntity; text: string }> = [];
  for (const e of main) {
    const r = refByName.get(e.name);
    if (r && e.level && r.level && e.level !== r.level)
      changes.push({ e, r, text: `the level of ${e.name} has changed from ${r.level} to ${e.level}.` });
  }
  const added = main.filter((e) => !refByName.has(e.name));
  const missing = ref.filter((e) => !mainNames.has(e.name));

  // A level change at one shared location (other than just "bilateral") is asked about by place.
  const placed = changes.find((c) => c.e.location && c.e.location === c.r.location && c.e.location !== 'bilateral');
  if (placed) {
    const loc = placed.e.location!;
    const here = changes.filter((c) => c.e.location === loc && c.r.location === loc);
    return {
      question: `what has changed ${inPlace(`${loc} area`)}?`,
      answer: here.map((c) => c.text).join(' '),
      template: 'difference.location',
      entities: here.flatMap((c) => c.e.raw),
      refEntities: here.flatMap((c) => c.r.raw),
    };
  }
  const parts = changes.map((c) => c.text);
  if (added.length) {
    parts.push(
      `the main image has ${plural(added.length, 'an additional finding', 'additional findings')} of ${joinNames(added.map((e) => e.name))} than the reference image.`,
    );
  }
  if (missing.length) {
    parts.push(
      `the main image is missing the ${plural(missing.length, 'finding', 'findings')} of ${joinNames(missing.map((e) => e.name))} than the reference image.`,
    );
  }
  return {
    question: 'what has changed compared to the reference image?',
    answer: parts.length ? parts.join(' ') : 'nothing has changed.',
    template: parts.length ? 'difference.changes' : 'difference.none',
    entities: [...changes.flatMap((c) => c.e.raw), ...added.flatMap((e) => e.raw)],
    refEntities: [...changes.flatMap((c) => c.r.raw), ...missing.flatMap((e) => e.raw)],
  };
}
