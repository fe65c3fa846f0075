/** Synthetic standardized records and report metadata at MIMIC-CXR size, shared by the question and dataset benches. */
import type { StandardizedRecord } from '../src/pipeline/questions/generate.js';
import type { StudyMeta } from '../src/pipeline/questions/schema.js';
import type { Attrs } from '../src/pipeline/schemas/keyinfo.js';
import { StepStateSchema } from '../src/pipeline/schemas/state.js';
import type { Run } from '../src/pipeline/store/run.js';
import { Rng } from '../src/pipeline/util/random.js';

const ENTITIES = [
  'pleural effusion',
  'atelectasis',
  'cardiomegaly',
  'edema',
  'pneumothorax',
  'pneumonia',
  'consolidation',
  'emphysema',
  'hernia',
  'scoliosis',
  'vascular congestion',
  'fracture',
  'granuloma',
  'nodule',
  'low lung volume',
  'effusions',
  'left pleural effusion',
  'blunting of the costophrenic angle',
];
const RARE = Array.from({ length: 400 }, (_, i) => `rare finding ${i}`);
const LOCS = [
  'left',
  'right',
  'bilateral',
  'left lower lobe',
  'right lower lobe',
  'right upper lobe',
  'bibasilar',
  'retrocardiac',
  'left base',
  'right base',
  'mid to lower',
  null,
  null,
];
const LEVELS = ['small', 'mild', 'moderate', 'severe', 'large', 'minimal', null, null, null];
const TYPES = ['layering', 'patchy', 'interstitial', 'chronic', null, null, null, null];
const VIEWS = [
  'postero-anterior',
  'postero-anterior',
  'postero-anterior',
  'antero-posterior',
  'antero-posterior',
  'antero-posterior',
  'lateral',
];

export function synthesize(n: number): { records: StandardizedRecord[]; metas: StudyMeta[] } {
  const rng = new Rng(42);
  const records: StandardizedRecord[] = [];
  const metas: StudyMeta[] = [];
  let subject = 10_000_000;
  let order = 0;
  let perSubject = 0;
  for (let i = 0; i < n; i++) {
    if (order >= perSubject) {
      subject += 1 + rng.int(3);
      perSubject = 1 + rng.int(6);
      order = 0;
    }
    order++;
    const study = String(50_000_000 + i * 3 + rng.int(3));
    const entity: Record<string, Attrs> = {};
    const k = rng.int(4);
    for (let j = 0; j < k; j++) {
      const name = rng.chance(0.02) ? rng.pick(RARE) : rng.pick(ENTITIES);
      entity[name] = { location: rng.pick(LOCS), level: rng.pick(LEVELS), type: rng.pick(TYPES) };
    }
    const no_entity = rng.chance(0.6) ? [rng.pick(ENTITIES), rng.pick(ENTITIES)] : [];
    const opacity_vs_clear = rng.chance(0.2)
      ? { opacity: { location: rng.pick(LOCS), level: null, type: rng.pick(TYPES) } }
      : {};
    records.push({
      study_id: study,
      keyinfo: { entity, uncertain_entity: {}, no_entity, opacity_vs_clear },
      cycle: 1,
      source: 'bench',
    });
    metas.push({
      study_id: study,
      subject_id: String(subject),
      dicom_id: `${study}-${rng.int(1e9).toString(16)}`,
      view: rng.pick(VIEWS),
      study_order: order,
      study_date: `21${String(50 + order).padStart(2, '0')}-01-01`,
      split: rng.chance(0.9) ? 'train' : rng.chance(0.5) ? 'validate' : 'test',
    });
  }
  return { records, metas };
}

/**
 * The questions step's inputs written into a run as standardize leaves them: one `reports` row per
 * study (`reportRow` adds the text fields), the standardized records, and the step's params.
 */
export async function seedQuestionsInputs(
  run: Run,
  { records, metas }: { records: StandardizedRecord[]; metas: StudyMeta[] },
  reportRow: (m: StudyMeta) => { study_id: string },
  difference: boolean,
): Promise<void> {
  const reports = run.artifact<{ study_id: string }>('reports');
  for (let i = 0; i < metas.length; i += 10_000) reports.appendMany(metas.slice(i, i + 10_000).map(reportRow));
  reports.close();
  const std = run.artifact<StandardizedRecord>('standardized');
  for (let i = 0; i < records.length; i += 10_000) std.appendMany(records.slice(i, i + 10_000));
  std.close();
  await run.update((st) => {
    st.steps.questions = StepStateSchema.parse({ status: 'not_run', params: { lowFreqThreshold: 10, difference } });
  });
}
