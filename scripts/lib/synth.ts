/**
 * Synthetic MIMIC-style chest X-ray reports with ground-truth KeyInfo, from a
 * small phrase grammar. Deterministic by seed; no real report text is used.
 *
 * Pure and in-memory so benchmarks and tests of any area can generate records
 * without files; scripts/generate-corpus.ts writes them as a MIMIC tree.
 *
 * Ground truth covers what section selection keeps (FINDINGS to the end, or the
 * impression body): header paragraphs (WET READ, INDICATION) only repeat or
 * never name findings, so they cannot contradict it.
 */
import type { Attrs, StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import type { ReportRecord } from '../../src/pipeline/schemas/report.js';
import { emptyKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import { makeRecord } from '../../src/pipeline/ingest/record.js';
import { mulberry32 } from '../../src/pipeline/util/random.js';

export type Rng = () => number;

/** The project's seeded generator over a string/number seed hashed with FNV-1a (kept as is: corpora stay the same). */
export function createRng(seed: number | string): Rng {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return mulberry32(h >>> 0);
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const attrs = (location: string | null = null, level: string | null = null, type: string | null = null): Attrs => ({
  location,
  level,
  type,
});

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** A positive finding phrase and its attributes; `name` is the KeyInfo entity key and appears verbatim. */
interface Positive {
  name: string;
  sentence: string;
  phrase: string;
  attrs: Attrs;
}

type PositiveMaker = (rng: Rng) => Positive;

const POSITIVES: Record<string, PositiveMaker> = {
  'pleural effusion': (rng) => {
    const level = pick(rng, ['small', 'moderate', 'large', 'trace']);
    const location = pick(rng, ['left', 'right', 'bilateral']);
    const type = pick(rng, [null, null, 'layering', 'loculated']);
    const phrase = [level, location, type, 'pleural effusion'].filter(Boolean).join(' ');
    const verb = location === 'bilateral' ? 's are' : ' is';
    return {
      name: 'pleural effusion',
      phrase,
      sentence: `${cap(phrase)}${verb} present.`,
      attrs: attrs(location, level, type),
    };
  },
  atelectasis: (rng) => {
    const type = pick(rng, ['subsegmental', 'plate-like', 'linear', 'compressive', null]);
    const location = pick(rng, ['left base', 'right base', 'bibasilar', 'left lower lobe', 'right middle lobe']);
    const phrase = [type, 'atelectasis'].filter(Boolean).join(' ');
    const sentence =
      location === 'bibasilar'
        ? `${cap([type, 'bibasilar atelectasis'].filter(Boolean).join(' '))} is seen.`
        : `${cap(phrase)} is seen at the ${location}.`;
    return { name: 'atelectasis', phrase, sentence, attrs: attrs(location, null, type) };
  },
  cardiomegaly: (rng) => {
    const level = pick(rng, ['mild', 'moderate', 'severe']);
    return {
      name: 'cardiomegaly',
      phrase: `${level} cardiomegaly`,
      sentence: `${cap(level)} cardiomegaly is present.`,
      attrs: attrs(null, level, null),
    };
  },
  edema: (rng) => {
    const level = pick(rng, ['mild', 'moderate', 'severe']);
    const type = pick(rng, ['interstitial', 'alveolar', null]);
    const phrase = [level, type, 'edema'].filter(Boolean).join(' ');
    return { name: 'edema', phrase, sentence: `There is ${phrase}.`, attrs: attrs(null, level, type) };
  },
  pneumothorax: (rng) => {
    const level = pick(rng, ['small', 'tiny', 'moderate', 'large']);
    const location = pick(rng, ['left apical', 'right apical', 'left', 'right']);
    const phrase = `${level} ${location} pneumothorax`;
    return { name: 'pneumothorax', phrase, sentence: `There is a ${phrase}.`, attrs: attrs(location, level, null) };
  },
  consolidation: (rng) => {
    const type = pick(rng, ['patchy', 'focal', 'dense']);
    const location = pick(rng, [
      'right lower lobe',
      'left lower lobe',
      'right middle lobe',
      'left upper lobe',
      'lingula',
    ]);
    const phrase = `${type} consolidation`;
    return {
      name: 'consolidation',
      phrase,
      sentence: `${cap(phrase)} is noted in the ${location}.`,
      attrs: attrs(location, null, type),
    };
  },
  pneumonia: (rng) => {
    const location = pick(rng, ['right lower lobe', 'left lower lobe', 'right upper lobe', 'multifocal']);
    const phrase = `${location} pneumonia`;
    return {
      name: 'pneumonia',
      phrase,
      sentence: `Findings are consistent with ${phrase}.`,
      attrs: attrs(location, null, null),
    };
  },
  nodule: (rng) => {
    const level = pick(rng, ['small', '5 mm', '8 mm', '1.2 cm']);
    const location = pick(rng, ['right upper lobe', 'left upper lobe', 'right lower lobe', 'left midlung']);
    const phrase = `${level} nodule`;
    return {
      name: 'nodule',
      phrase,
      sentence: `A ${phrase} is seen in the ${location}.`,
      attrs: attrs(location, level, null),
    };
  },
  fracture: (rng) => {
    const level = pick(rng, ['healed', 'old', 'acute']);
    const location = pick(rng, ['left sixth rib', 'right fifth rib', 'left seventh rib', 'right clavicle']);
    const phrase = `${level} fracture`;
    return {
      name: 'fracture',
      phrase,
      sentence: `There is a ${phrase} of the ${location}.`,
      attrs: attrs(location, level, null),
    };
  },
};

const NEGATABLE = ['pleural effusion', 'pneumothorax', 'consolidation', 'edema', 'pneumonia', 'cardiomegaly'] as const;
const HEDGEABLE = ['atelectasis', 'pneumonia', 'edema', 'consolidation'] as const;
const DEVICES = [
  'Endotracheal tube terminates 4 cm above the carina.',
  'Right PICC line ends in the low SVC.',
  'Left chest wall pacemaker with leads in the right atrium and right ventricle.',
  'Median sternotomy wires are intact.',
  'Enteric tube courses below the diaphragm with the tip out of view.',
  'Right internal jugular central venous catheter tip is in the mid SVC.',
];
const INDICATIONS = [
  'shortness of breath',
  'chest pain',
  'fever',
  'cough',
  'hypoxia',
  'evaluation of interval change',
  'preoperative evaluation',
];
const EXAMS = ['CHEST (PA AND LAT)', 'CHEST (PORTABLE AP)', 'CHEST (PA AND LAT) PA AND LATERAL VIEWS'];

export interface SynthReport {
  text: string;
  truth: StrictKeyInfo;
}

function negation(names: readonly string[]): string {
  if (names.length === 1) return `No ${names[0]}.`;
  if (names.length === 2) return `No ${names[0]} or ${names[1]}.`;
  return `No ${names.slice(0, -1).join(', ')}, or ${names[names.length - 1]}.`;
}

/** Wrap like MIMIC's fixed-width reports: lines of ~76 characters with a leading space. */
function wrap(sentences: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const word of sentences.join(' ').split(' ')) {
    if (line && line.length + word.length + 1 > 76) {
      lines.push(` ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(` ${line}`);
  return lines.join('\n');
}

/** One report: findings body, impression, header layout, and the KeyInfo of what it says. */
export function synthReport(rng: Rng): SynthReport {
  const truth = emptyKeyInfo();
  const names = shuffle(rng, Object.keys(POSITIVES));
  const nPos = pick(rng, [0, 0, 1, 1, 1, 2, 2, 3]);
  const positives = names.slice(0, nPos).map((n) => POSITIVES[n]!(rng));
  const used = new Set(positives.map((p) => p.name));
  const body: string[] = [];
  const unchanged = positives.length && chance(rng, 0.2) ? positives[0]! : null;
  for (const p of positives) {
    truth.entity[p.name] = p.attrs;
    body.push(
      p === unchanged
        ? `No change in the ${p.phrase}${p.attrs.location && !p.phrase.includes(p.attrs.location) ? ` in the ${p.attrs.location}` : ''}.`
        : p.sentence,
    );
  }
  if (chance(rng, 0.35)) {
    const hedge = pick(
      rng,
      HEDGEABLE.filter((h) => !used.has(h)),
    );
    used.add(hedge);
    if (chance(rng, 0.5) && !used.has('opacity')) {
      const location = pick(rng, ['left base', 'right base', 'retrocardiac', 'left lower lobe']);
      const type = pick(rng, ['patchy', 'hazy', 'streaky']);
      truth.opacity_vs_clear.opacity = attrs(location, null, type);
      truth.uncertain_entity[hedge] = attrs(location, null, null);
      body.push(`${cap(type)} ${location} opacity may represent ${hedge}.`);
      used.add('opacity');
    } else {
      truth.uncertain_entity[hedge] = attrs();
      body.push(
        pick(rng, [`Cannot exclude early ${hedge}.`, `Possible ${hedge}.`, `Findings could reflect ${hedge}.`]),
      );
    }
  }
  const negatable = shuffle(
    rng,
    NEGATABLE.filter((n) => !used.has(n)),
  );
  const negs = negatable.slice(0, pick(rng, [0, 1, 2, 2, 3]));
  if (negs.length) {
    truth.no_entity.push(...negs);
    body.push(negation(negs));
  }
  if (
    !used.has('opacity') &&
    !used.has('consolidation') &&
    !used.has('pneumonia') &&
    !used.has('atelectasis') &&
    chance(rng, 0.3)
  ) {
    const location = pick(rng, ['lungs', 'right lung', 'left lung']);
    truth.opacity_vs_clear.clear = attrs(location, null, null);
    body.push(location === 'lungs' ? 'The lungs are clear.' : `The ${location} is clear.`);
  }
  if (!used.has('cardiomegaly') && chance(rng, 0.4))
    body.push('The cardiomediastinal silhouette is within normal limits.');
  if (!used.has('fracture') && chance(rng, 0.3)) body.push('The osseous structures are unremarkable.');
  const devices = shuffle(rng, [...DEVICES]).slice(0, pick(rng, [0, 0, 0, 1, 1, 2]));
  body.push(...devices);
  if (body.length === 0) body.push('Heart size is normal. Hilar contours are unremarkable.');
  shuffle(rng, body);

  const impression = positives.length
    ? `${positives.map((p) => cap(p.phrase)).join('. ')}.`
    : Object.keys(truth.uncertain_entity).length
      ? `${cap(Object.keys(truth.uncertain_entity)[0]!)} is not excluded.`
      : 'No acute cardiopulmonary process.';
  return { text: layout(rng, body, impression, positives), truth };
}

function layout(rng: Rng, body: string[], impression: string, positives: Positive[]): string {
  const exam = ` EXAMINATION:  ${pick(rng, EXAMS)}`;
  const indication = ` INDICATION:  ___ year old ${pick(rng, ['man', 'woman'])} with ${pick(rng, INDICATIONS)}`;
  const comparison = ` COMPARISON:  ${pick(rng, ['___', 'None.', 'Chest radiograph from ___.'])}`;
  const head = `${' '.repeat(33)}FINAL REPORT\n${exam}\n \n${indication}\n \n${comparison}\n \n`;
  const roll = rng();
  if (roll < 0.7) return `${head} FINDINGS:\n \n${wrap(body)}\n \n IMPRESSION:\n \n${wrap([impression])}\n`;
  if (roll < 0.85) {
    // No FINDINGS. A very short body shares the header's paragraph, else §2 would prefer the bare header line.
    const text = wrap(body);
    return text.length > 20 ? `${head} IMPRESSION:\n \n${text}\n` : `${head} IMPRESSION: ${text.trim()}\n`;
  }
  if (roll < 0.95) {
    // Wet read: a preliminary line repeating part of what the final report says.
    const prelim = positives.length ? `${cap(positives[0]!.phrase)}.` : 'No acute process.';
    return ` WET READ: ___ ___ ${int(rng, 1, 12)}:${String(int(rng, 0, 59)).padStart(2, '0')} PM\n  ${prelim}\n ${'_'.repeat(78)}\n${head} FINDINGS:\n \n${wrap(body)}\n \n IMPRESSION:\n \n${wrap([impression])}\n`;
  }
  // No headers at all; the intro paragraph is only added when the body is longer, so §2 still picks the body.
  const intro = ' PA and lateral chest.';
  const text = wrap(body);
  return text.length > intro.length + 2 ? `${intro}\n \n${text}\n` : `${text}\n`;
}

export interface SynthStudy {
  subject_id: string;
  study_id: string;
  dicom_id: string;
  view: string;
  study_order: number;
  study_date: string;
  split: string;
  text: string;
  truth: StrictKeyInfo;
}

export interface SynthOptions {
  /** Number of studies (MIMIC-CXR has 227,835). */
  studies: number;
  seed: number | string;
}

export const MIMIC_STUDIES = 227_835;
/** MIMIC-CXR has ~65,379 subjects for 227,835 studies: ~3.48 studies per subject. */
const GEOMETRIC_P = 1 / 3.485;

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rng() * 16)];
  return s;
}

function dateString(day: number): string {
  // Day 0 = 2110-01-01 (MIMIC dates are shifted into the 22nd century).
  const d = new Date(Date.UTC(2110, 0, 1) + day * 86_400_000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Studies grouped by subject (all of a subject's studies in a row), with dates, order, views and splits. */
export function* synthStudies(opts: SynthOptions): Generator<SynthStudy> {
  const rng = createRng(opts.seed);
  const usedStudy = new Set<number>();
  const expectedSubjects = Math.max(1, Math.round(opts.studies * GEOMETRIC_P));
  // Mean step ~4.5M / subjects: ids end near 14.5M, far from the 19,999,999 ceiling of p10..p19.
  const maxStep = Math.max(1, Math.floor(9_000_000 / expectedSubjects));
  let subject = 10_000_000;
  let made = 0;
  while (made < opts.studies) {
    subject += int(rng, 1, maxStep);
    // 1 + geometric: mean ~3.48 studies per subject.
    let k = 1;
    while (k < 40 && rng() > GEOMETRIC_P) k++;
    k = Math.min(k, opts.studies - made);
    const split = rng() < 0.978 ? 'train' : rng() < 0.36 ? 'validate' : 'test';
    let day = int(rng, 0, 365 * 80);
    const days: number[] = [];
    for (let i = 0; i < k; i++) {
      days.push(day);
      // Sometimes two studies on one day: they share a study_order (rank method "min").
      day += chance(rng, 0.05) ? 0 : int(rng, 1, 700);
    }
    // Rows come in study-id order, not date order, as in MIMIC's tables.
    const ids: number[] = [];
    for (let i = 0; i < k; i++) {
      let id: number;
      do id = int(rng, 50_000_000, 59_999_999);
      while (usedStudy.has(id));
      usedStudy.add(id);
      ids.push(id);
    }
    const order = days.map((d) => days.filter((x) => x < d).length + 1);
    const idx = shuffle(
      rng,
      days.map((_, i) => i),
    );
    for (const i of idx) {
      const report = synthReport(rng);
      const v = rng();
      yield {
        subject_id: String(subject),
        study_id: String(ids[i]),
        dicom_id: `${hex(rng, 8)}-${hex(rng, 8)}-${hex(rng, 8)}-${hex(rng, 8)}-${hex(rng, 8)}`,
        view: v < 0.6 ? 'postero-anterior' : v < 0.9 ? 'antero-posterior' : 'lateral',
        study_order: order[i]!,
        study_date: dateString(days[i]!),
        split,
        text: report.text,
        truth: report.truth,
      };
      made++;
    }
  }
}

/** Path of a study's report inside a MIMIC tree: files/pXX/pSUBJECT/sSTUDY.txt. */
export function reportPath(s: Pick<SynthStudy, 'subject_id' | 'study_id'>): string {
  return `files/p${s.subject_id.slice(0, 2)}/p${s.subject_id}/s${s.study_id}.txt`;
}

/** In-memory ReportRecords (with section selection applied) for benchmarks of later steps. */
export function* synthReportRecords(opts: SynthOptions): Generator<{ record: ReportRecord; truth: StrictKeyInfo }> {
  for (const s of synthStudies(opts)) {
    const { text, truth, ...meta } = s;
    const record = makeRecord({ ...meta, extra: {} }, text, reportPath(s));
    yield { record, truth };
  }
}
