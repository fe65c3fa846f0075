import type { StrictKeyInfo } from '../schemas/keyinfo.js';
import type { FrequencyDicts } from '../standardize/dictionaries.js';
import type { Disease } from '../names/diseases.js';
import type { Rng } from '../util/random.js';
import type { Draft, StudyInput } from './generators.js';
import { isOriginal, QuestionLibrary } from './library.js';
import {
  autoLowFreqThreshold,
  buildFrequencyIndex,
  prepareKeyInfo,
  type PrepareOptions,
  type RulePlaces,
} from './prepare.js';
import type { PostPhraseLibrary } from './postLocations.js';
import { balanceRng, generatorsFor, pairRng, type GeneratorContext, type QuestionGenerator } from './registry.js';
import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import type { MetadataIndex, QaPair, QuestionParams, QuestionType, StudyMeta } from './schema.js';
import { assignSplits } from './split.js';

export interface StandardizedRecord {
  study_id: string;
  keyinfo: StrictKeyInfo;
  cycle: number;
  source?: unknown;
  /** Per KeyInfo entity name, its places from a rule-based record (`cxrvqa questions` on the Diff-VQA layout). */
  places?: Readonly<Record<string, RulePlaces>>;
}

export interface GenerateCounts {
  records: number;
  studies_used: number;
  skipped_no_metadata: number;
  skipped_view: number;
  unknown_view: number;
  entities_low_freq: number;
  values_low_freq: number;
  duplicate_questions: number;
  dropped_less_yes_no: number;
  dropped_balance: number;
  no_reference: number;
  seeded_split_subjects: number;
}

export interface GenerateResult {
  pairs: QaPair[];
  counts: GenerateCounts;
  /** Low-frequency threshold applied (null: filter off). */
  threshold: number | null;
  splitConflicts: string[];
}

export interface GenerateProgress {
  done: number;
  total: number;
}

export function normalizeView(v: string | null): 'AP' | 'PA' | 'frontal' | 'other' | null {
  if (!v || !v.trim()) return null;
  const s = v.trim().toLowerCase();
  // Ingest's reading of a free-text view that names a frontal film but not its projection.
  if (s === 'frontal') return 'frontal';
  if (s === 'ap' || s === 'antero-posterior' || s === 'anteroposterior') return 'AP';
  if (s === 'pa' || s === 'postero-anterior' || s === 'posteroanterior') return 'PA';
  return 'other';
}

/**
 * Stable id: a 64-bit hash (two 32-bit FNV-1a-style lanes) of study_id, type,
 * question, ref_id and seed (NUL-separated), as 16 hex digits. Not
 * cryptographic: it only has to be stable and practically collision-free
 * (~1e-8 at a million pairs), and it is several times cheaper than sha256.
 */
export function qaId(
  study_id: string,
  type: QuestionType,
  question: string,
  ref_id: string | null,
  seed: number,
): string {
  const st = { h1: 0x811c9dc5, h2: 0x5bd1e995 ^ 0x01000193 };
  mix(st, study_id);
  mix(st, type);
  mix(st, question);
  mix(st, ref_id ?? '');
  mix(st, String(seed));
  let { h1, h2 } = st;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return hex8(h1) + hex8(h2);
}

function mix(st: { h1: number; h2: number }, text: string): void {
  let { h1, h2 } = st;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  st.h1 = Math.imul(h1, 0x01000193);
  st.h2 = Math.imul(h2 ^ 0xff, 0x5bd1e995);
}

const hex8 = (h: number) => (h >>> 0).toString(16).padStart(8, '0');

const PROGRESS_EVERY = 2000;

interface Study extends StudyMeta {
  input: StudyInput;
  cycle: number;
}

const emptyCounts = (records: number): GenerateCounts => ({
  records,
  studies_used: 0,
  skipped_no_metadata: 0,
  skipped_view: 0,
  unknown_view: 0,
  entities_low_freq: 0,
  values_low_freq: 0,
  duplicate_questions: 0,
  dropped_less_yes_no: 0,
  dropped_balance: 0,
  no_reference: 0,
  seeded_split_subjects: 0,
});

function byStudyId(records: Iterable<StandardizedRecord>): StandardizedRecord[] {
  const sorted = [...records];
  let inOrder = true;
  for (let i = 1; i < sorted.length && inOrder; i++) inOrder = sorted[i - 1]!.study_id <= sorted[i]!.study_id;
  if (!inOrder) sorted.sort((a, b) => (a.study_id < b.study_id ? -1 : a.study_id > b.study_id ? 1 : 0));
  return sorted;
}

/** Pass 1 (no randomness): the studies that get questions, prepared once, in study_id order. */
function eligibleStudies(
  sorted: readonly StandardizedRecord[],
  metadataIndex: MetadataIndex,
  params: QuestionParams,
  prep: PrepareOptions,
  counts: GenerateCounts,
): Study[] {
  const studies: Study[] = [];
  for (const rec of sorted) {
    const meta = metadataIndex.get(rec.study_id);
    if (!meta) {
      counts.skipped_no_metadata++;
      continue;
    }
    const v = normalizeView(meta.view);
    if (v === 'other' || (v === null && params.unknownView === 'skip')) {
      counts.skipped_view++;
      continue;
    }
    if (v === null) counts.unknown_view++;
    // A frontal film of unknown projection gets every question but the view question.
    const view = v === 'frontal' ? null : v;
    const prepared = prepareKeyInfo(rec.keyinfo, prep, rec.places);
    counts.entities_low_freq += prepared.droppedEntities;
    counts.values_low_freq += prepared.droppedValues;
    studies.push({
      study_id: meta.study_id,
      subject_id: meta.subject_id,
      dicom_id: meta.dicom_id,
      view: meta.view,
      study_order: meta.study_order,
      study_date: meta.study_date,
      split: meta.split,
      cycle: rec.cycle,
      input: {
        entities: prepared.entities,
        negatives: prepared.negatives,
        droppedEntities: prepared.droppedEntities,
        droppedValues: prepared.droppedValues,
        view,
        ...(prep.rulePlaces && rec.places ? { fromRules: true } : {}),
      },
    });
  }
  return studies;
}

function groupBySubject(studies: readonly Study[]): Map<string, Study[]> {
  const bySubject = new Map<string, Study[]>();
  for (const study of studies) {
    const list = bySubject.get(study.subject_id);
    if (list) list.push(study);
    else bySubject.set(study.subject_id, [study]);
  }
  return bySubject;
}

/** Turns drafts into pairs: drops a study's repeated questions and the `lessYesNo` share, attaches ids and metadata. */
function pairCollector(params: QuestionParams, counts: GenerateCounts) {
  const pairs: QaPair[] = [];
  const asked: string[] = [];
  // A million pairs share a few thousand question and answer texts: keep one copy of each.
  const texts = new Map<string, string>();
  const intern = (t: string) => {
    const hit = texts.get(t);
    if (hit !== undefined) return hit;
    texts.set(t, t);
    return t;
  };
  const add = (s: Study, split: string, type: QuestionType, d: Draft | null, rng: Rng, pairedRef?: string) => {
    if (!d) return;
    // At most seven questions a study: a list beats a Set here.
    if (asked.includes(d.question)) {
      counts.duplicate_questions++;
      return;
    }
    const closed = d.answer === 'yes' || d.answer === 'no';
    // The keep-or-drop draw continues the pair's own stream.
    if (closed && params.lessYesNo && !rng.chance(0.1)) {
      counts.dropped_less_yes_no++;
      return;
    }
    asked.push(d.question);
    const ref_id = d.ref ? d.ref.id : (pairedRef ?? null);
    pairs.push({
      study_id: s.study_id,
      qa_id: qaId(s.study_id, type, d.question, ref_id, params.seed),
      subject_id: s.subject_id,
      dicom_id: s.dicom_id,
      ref_id,
      question_type: type,
      question: intern(d.question),
      answer: intern(d.answer),
      answer_type: closed ? 'closed' : 'open',
      split,
      provenance: d.ref
        ? { entities: d.entities, ref_entities: d.ref.entities, source_cycle: s.cycle, template: d.template }
        : { entities: d.entities, source_cycle: s.cycle, template: d.template },
    });
  };
  return {
    pairs,
    add,
    nextStudy: () => {
      asked.length = 0;
    },
  };
}

/**
 * How KeyInfo is prepared for questions in a run of `records` records: the one
 * definition shared by generation and the consistency check, so the check
 * re-derives answers from exactly the entities generation saw.
 */
export function preparation(
  records: number,
  dicts: FrequencyDicts,
  params: QuestionParams,
  diseases: readonly Disease[],
  style: Style = DEFAULT_STYLE,
  postPhrases?: PostPhraseLibrary,
): PrepareOptions & { threshold: number | null } {
  // The release knows only the original library; every other corpus name becomes its own disease.
  const base = style === 'release' ? diseases.filter(isOriginal) : diseases;
  const library = new QuestionLibrary(base, dicts, postPhrases);
  const threshold = params.filterLowFreq
    ? params.lowFreqThreshold === 'auto'
      ? autoLowFreqThreshold(records)
      : params.lowFreqThreshold
    : null;
  const filter = threshold === null ? null : { threshold, freq: buildFrequencyIndex(dicts, library) };
  // The Diff-VQA layout's own generators read rule-based places (docs/questions.md, Post-locations).
  const rulePlaces = style === 'release' && params.pairedLayout === true;
  return { library, filter, threshold, style, rulePlaces };
}

/**
 * Question generation as a sync generator that yields progress every few
 * thousand records, so the step can check its abort signal between chunks;
 * `generateQuestions` drains it. Each (study, question type) pair draws from
 * its own stream, `pairRng(seed, study_id, type)`, so no pair depends on
 * another pair's draws or on the order of studies and types.
 */
export function* generateSteps(
  records: Iterable<StandardizedRecord>,
  metadataIndex: MetadataIndex,
  dicts: FrequencyDicts,
  params: QuestionParams,
  diseases: readonly Disease[],
  generators?: readonly QuestionGenerator[],
  style: Style = DEFAULT_STYLE,
  postPhrases?: PostPhraseLibrary,
): Generator<GenerateProgress, GenerateResult, void> {
  const sorted = byStudyId(records);
  const { threshold, ...prep } = preparation(sorted.length, dicts, params, diseases, style, postPhrases);
  const library = prep.library;
  const counts = emptyCounts(sorted.length);
  const studies = eligibleStudies(sorted, metadataIndex, params, prep, counts);
  const bySubject = groupBySubject(studies);
  counts.studies_used = studies.length;
  const splits = assignSplits(studies, params);
  counts.seeded_split_subjects = splits.seeded;

  // Pass 2: questions, in study_id order and registry order within a study.
  const collector = pairCollector(params, counts);
  const ctx: GeneratorContext = {
    params,
    library,
    subjectStudies: (subject_id) => bySubject.get(subject_id) ?? [],
    noReference: () => counts.no_reference++,
  };
  const active = (generators ?? generatorsFor(style)).filter((g) => g.enabled?.(params) ?? true);
  for (let i = 0; i < studies.length; i++) {
    const s = studies[i]!;
    collector.nextStudy();
    const split = splits.bySubject.get(s.subject_id)!;
    if (params.pairedLayout) {
      // Each type keeps its own stream, so drawing the difference (and its reference) first changes no pair.
      const drafts = active.map((g) => {
        const rng = pairRng(params.seed, s.study_id, g.type);
        return { g, rng, draft: g.type === 'difference' ? g.generate(s, rng, ctx) : null };
      });
      const ref = drafts.find((x) => x.g.type === 'difference')?.draft?.ref?.id;
      if (ref !== undefined)
        for (const x of drafts) collector.add(s, split, x.g.type, x.draft ?? x.g.generate(s, x.rng, ctx), x.rng, ref);
    } else
      for (const g of active) {
        const rng = pairRng(params.seed, s.study_id, g.type);
        collector.add(s, split, g.type, g.generate(s, rng, ctx), rng);
      }
    if ((i + 1) % PROGRESS_EVERY === 0) yield { done: i + 1, total: studies.length };
  }
  let pairs = collector.pairs;
  if (params.balanceYesNo) {
    pairs = balanceYesNo(pairs, params.seed);
    counts.dropped_balance = collector.pairs.length - pairs.length;
  }
  return { pairs, counts, threshold, splitConflicts: splits.conflicts };
}

/** The pure entry point: same records, metadata, dictionaries, params (seed included) and library → identical pairs. */
export function generateQuestions(
  records: Iterable<StandardizedRecord>,
  metadataIndex: MetadataIndex,
  dicts: FrequencyDicts,
  params: QuestionParams,
  diseases: readonly Disease[],
  generators?: readonly QuestionGenerator[],
  style?: Style,
  postPhrases?: PostPhraseLibrary,
): GenerateResult {
  const it = generateSteps(records, metadataIndex, dicts, params, diseases, generators, style, postPhrases);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Per type, randomly drop the surplus of the more frequent of yes/no (each type from its own stream). */
function balanceYesNo(pairs: QaPair[], seed: number): QaPair[] {
  const drop = new Set<number>();
  const byType = new Map<string, { yes: number[]; no: number[] }>();
  pairs.forEach((p, i) => {
    if (p.answer !== 'yes' && p.answer !== 'no') return;
    let g = byType.get(p.question_type);
    if (!g) byType.set(p.question_type, (g = { yes: [], no: [] }));
    g[p.answer].push(i);
  });
  for (const [type, g] of byType) {
    const [more, less] = g.yes.length >= g.no.length ? [g.yes, g.no] : [g.no, g.yes];
    for (const i of balanceRng(seed, type)
      .shuffle(more)
      .slice(0, more.length - less.length))
      drop.add(i);
  }
  return pairs.filter((_, i) => !drop.has(i));
}

/** Metadata index from report records: a Map, never a per-record table scan. */
export function buildMetadataIndex(reports: Iterable<StudyMeta>): Map<string, StudyMeta> {
  const m = new Map<string, StudyMeta>();
  for (const r of reports) {
    m.set(r.study_id, {
      study_id: r.study_id,
      subject_id: r.subject_id,
      dicom_id: r.dicom_id,
      view: r.view,
      study_order: r.study_order,
      study_date: r.study_date,
      split: r.split,
    });
  }
  return m;
}
