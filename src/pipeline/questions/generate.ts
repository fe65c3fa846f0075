import type { StrictKeyInfo } from '../schemas/keyinfo.js';
import type { FrequencyDicts } from '../standardize/dictionaries.js';
import { hashValue } from '../util/hash.js';
import { differenceDraft, pickReference } from './difference.js';
import { abnormality, attribute, location, presence, view, type Draft, type StudyInput } from './generators.js';
import { loadDiseaseLibrary, QuestionLibrary, type Disease } from './library.js';
import { autoLowFreqThreshold, buildFrequencyIndex, prepareKeyInfo, type PreparedKeyInfo } from './prepare.js';
import type { Rng } from './rng.js';
import type { MetadataIndex, QaPair, QuestionParams, QuestionType, StudyMeta } from './schema.js';
import { assignSplits } from './split.js';

export interface StandardizedRecord {
  study_id: string;
  keyinfo: StrictKeyInfo;
  cycle: number;
  source?: unknown;
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

export function normalizeView(v: string | null): 'AP' | 'PA' | 'other' | null {
  if (!v || !v.trim()) return null;
  const s = v.trim().toLowerCase();
  if (s === 'ap' || s === 'antero-posterior' || s === 'anteroposterior') return 'AP';
  if (s === 'pa' || s === 'postero-anterior' || s === 'posteroanterior') return 'PA';
  return 'other';
}

export function qaId(study_id: string, type: QuestionType, question: string, ref_id: string | null, seed: number): string {
  return hashValue([study_id, type, question, ref_id ?? '', seed]);
}

const TYPES_IN_ORDER = ['abnormality', 'presence', 'view', 'location', 'level', 'type'] as const;
const PROGRESS_EVERY = 2000;

interface Study extends StudyMeta {
  input: StudyInput;
  cycle: number;
}

/**
 * Question generation as a sync generator that yields progress every few
 * thousand records, so the step can check its abort signal between chunks;
 * `generateQuestions` drains it. All randomness comes from `rng`, consumed in
 * study_id order.
 */
export function* generateSteps(
  records: Iterable<StandardizedRecord>,
  metadataIndex: MetadataIndex,
  dicts: FrequencyDicts,
  params: QuestionParams,
  rng: Rng,
  diseases: readonly Disease[] = loadDiseaseLibrary(),
): Generator<GenerateProgress, GenerateResult, void> {
  const library = new QuestionLibrary(diseases, dicts);
  const sorted = [...records].sort((a, b) => (a.study_id < b.study_id ? -1 : a.study_id > b.study_id ? 1 : 0));
  const threshold = params.filterLowFreq ? (params.lowFreqThreshold === 'auto' ? autoLowFreqThreshold(sorted.length) : params.lowFreqThreshold) : null;
  const filter = threshold === null ? null : { threshold, freq: buildFrequencyIndex(dicts, library) };
  const counts: GenerateCounts = {
    records: sorted.length,
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
  };

  // Pass 1 (no randomness): eligible studies, prepared once, grouped by subject.
  const studies: Study[] = [];
  const bySubject = new Map<string, Study[]>();
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
    const prepared: PreparedKeyInfo = prepareKeyInfo(rec.keyinfo, { library, filter });
    counts.entities_low_freq += prepared.droppedEntities;
    counts.values_low_freq += prepared.droppedValues;
    const study: Study = { ...meta, cycle: rec.cycle, input: { ...prepared, view: v } };
    studies.push(study);
    const list = bySubject.get(meta.subject_id);
    if (list) list.push(study);
    else bySubject.set(meta.subject_id, [study]);
  }
  counts.studies_used = studies.length;
  const splits = assignSplits(studies, params);
  counts.seeded_split_subjects = splits.seeded;

  // Pass 2: questions, in study_id order, from the one generator.
  let pairs: QaPair[] = [];
  for (const [i, s] of studies.entries()) {
    const seen = new Set<string>();
    const split = splits.bySubject.get(s.subject_id)!;
    const add = (type: QuestionType, d: Draft | null, ref: { id: string; entities: string[] } | null = null) => {
      if (!d) return;
      if (seen.has(d.question)) {
        counts.duplicate_questions++;
        return;
      }
      const closed = d.answer === 'yes' || d.answer === 'no';
      if (closed && params.lessYesNo && !rng.chance(0.1)) {
        counts.dropped_less_yes_no++;
        return;
      }
      seen.add(d.question);
      pairs.push({
        study_id: s.study_id,
        qa_id: qaId(s.study_id, type, d.question, ref?.id ?? null, params.seed),
        subject_id: s.subject_id,
        dicom_id: s.dicom_id,
        ref_id: ref?.id ?? null,
        question_type: type,
        question: d.question,
        answer: d.answer,
        answer_type: closed ? 'closed' : 'open',
        split,
        provenance: { entities: d.entities, ...(ref ? { ref_entities: ref.entities } : {}), source_cycle: s.cycle, template: d.template },
      });
    };
    for (const type of TYPES_IN_ORDER) {
      switch (type) {
        case 'abnormality':
          add(type, abnormality(s.input, rng));
          break;
        case 'presence':
          add(type, presence(s.input, rng, library));
          break;
        case 'view':
          add(type, view(s.input, rng, params.apSubsample));
          break;
        case 'location':
          add(type, location(s.input, rng));
          break;
        case 'level':
        case 'type':
          add(type, attribute(type, s.input, rng));
          break;
      }
    }
    if (params.difference) {
      const ref = pickReference(s, bySubject.get(s.subject_id)!, rng);
      if (ref) {
        const d = differenceDraft(s.input.entities, ref.input.entities);
        add('difference', d, { id: ref.study_id, entities: d.refEntities });
      } else counts.no_reference++;
    }
    if ((i + 1) % PROGRESS_EVERY === 0) yield { done: i + 1, total: studies.length };
  }
  if (params.balanceYesNo) {
    const before = pairs.length;
    pairs = balanceYesNo(pairs, rng);
    counts.dropped_balance = before - pairs.length;
  }
  return { pairs, counts, threshold, splitConflicts: splits.conflicts };
}

/** The pure entry point: same records, metadata, dictionaries, params and seed → identical pairs. */
export function generateQuestions(
  records: Iterable<StandardizedRecord>,
  metadataIndex: MetadataIndex,
  dicts: FrequencyDicts,
  params: QuestionParams,
  rng: Rng,
  diseases?: readonly Disease[],
): GenerateResult {
  const it = generateSteps(records, metadataIndex, dicts, params, rng, diseases);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Per type, randomly drop the surplus of the more frequent of yes/no. */
function balanceYesNo(pairs: QaPair[], rng: Rng): QaPair[] {
  const drop = new Set<number>();
  const byType = new Map<string, { yes: number[]; no: number[] }>();
  pairs.forEach((p, i) => {
    if (p.answer !== 'yes' && p.answer !== 'no') return;
    let g = byType.get(p.question_type);
    if (!g) byType.set(p.question_type, (g = { yes: [], no: [] }));
    g[p.answer].push(i);
  });
  for (const type of [...byType.keys()].sort()) {
    const g = byType.get(type)!;
    const [more, less] = g.yes.length >= g.no.length ? [g.yes, g.no] : [g.no, g.yes];
    for (const i of rng.shuffle(more).slice(0, more.length - less.length)) drop.add(i);
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
