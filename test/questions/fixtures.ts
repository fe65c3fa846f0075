import type { Attrs, StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import type { StandardizedRecord } from '../../src/pipeline/questions/generate.js';
import type { Disease } from '../../src/pipeline/names/diseases.js';
import { Rng } from '../../src/pipeline/util/random.js';
import { QuestionParamsSchema, type QuestionParams, type StudyMeta } from '../../src/pipeline/questions/schema.js';

/** A small disease library written for the tests (not the bundled one, so tests do not move with it). */
export const DISEASES: Disease[] = [
  {
    id: '0',
    official: 'pleural effusion',
    variants: ['pleural effusion', 'effusion'],
    location: 'pleural',
    origin: 'original',
  },
  { id: '1', official: 'atelectasis', variants: ['atelectasis', 'volume loss'], location: 'lung', origin: 'original' },
  { id: '2', official: 'cardiomegaly', variants: ['cardiomegaly', 'enlarged'], location: 'heart', origin: 'original' },
  { id: '3', official: 'edema', variants: ['pulmonary edema', 'edema'], location: 'lung', origin: 'original' },
  { id: '4', official: 'pneumothorax', variants: ['pneumothorax'], location: 'lung', origin: 'original' },
  { id: '5', official: 'lung opacity', variants: ['opacity', 'lung opacity'], location: 'lung', origin: 'original' },
  { id: '6', official: 'pneumonia', variants: ['pneumonia'], location: 'lung', origin: 'original' },
];

export const attrs = (
  location: string | null = null,
  level: string | null = null,
  type: string | null = null,
): Attrs => ({ location, level, type });

export function ki(entity: Record<string, Attrs> = {}, no_entity: string[] = [], opacity?: Attrs): StrictKeyInfo {
  return { entity, uncertain_entity: {}, no_entity, opacity_vs_clear: opacity ? { opacity } : {} };
}

export const rec = (study_id: string, keyinfo: StrictKeyInfo, cycle = 0): StandardizedRecord => ({
  study_id,
  keyinfo,
  cycle,
  source: 'rules',
});

export function meta(study_id: string, subject_id: string, over: Partial<StudyMeta> = {}): StudyMeta {
  return {
    study_id,
    subject_id,
    dicom_id: `d${study_id}`,
    view: 'postero-anterior',
    study_order: 1,
    study_date: '2150-01-01',
    split: 'train',
    ...over,
  };
}

export const params = (over: Partial<QuestionParams> = {}): QuestionParams =>
  QuestionParamsSchema.parse({ filterLowFreq: false, ...over });

/** A generator whose draws are scripted, to drive one branch on purpose; falls back to a seeded one after the script. */
export class ScriptedRng extends Rng {
  constructor(private readonly script: number[]) {
    super(1);
  }
  override next(): number {
    return this.script.length ? this.script.shift()! : super.next();
  }
}

/** A varied little corpus: several subjects, PA/AP/lateral, findings with and without attributes. */
export function corpus(n = 60): { records: StandardizedRecord[]; index: Map<string, StudyMeta> } {
  const records: StandardizedRecord[] = [];
  const index = new Map<string, StudyMeta>();
  const views = ['postero-anterior', 'antero-posterior', 'lateral'];
  for (let i = 0; i < n; i++) {
    const id = `5${String(i).padStart(7, '0')}`;
    const subject = `1${String(Math.floor(i / 3)).padStart(7, '0')}`;
    const entity: Record<string, ReturnType<typeof attrs>> = {};
    if (i % 2 === 0)
      entity['pleural effusion'] = attrs(i % 4 === 0 ? 'left' : 'bilateral', i % 3 ? 'small' : 'moderate', 'layering');
    if (i % 3 === 0) entity.atelectasis = attrs('right lower lobe', 'mild', null);
    if (i % 5 === 0) entity.edema = attrs(null, null, 'interstitial');
    records.push(rec(id, ki(entity, i % 2 ? ['pneumothorax'] : [])));
    index.set(
      id,
      meta(id, subject, {
        view: views[i % 3]!,
        study_order: (i % 3) + 1,
        study_date: `2150-01-0${(i % 3) + 1}`,
        split: null,
      }),
    );
  }
  return { records, index };
}
