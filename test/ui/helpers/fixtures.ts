import type { Run } from '../../../src/pipeline/store/run.js';
import { INSPECTED } from '../../../src/pipeline/inspect/studyIndex.js';

/**
 * Small synthetic studies (invented text, not from any real corpus) with every
 * artifact the inspector reads, including two follow-up cycles.
 */
export const STUDY_TEXT = {
  s100: 'EXAMINATION: CHEST PA AND LAT\n\nFINDINGS: Mild left basilar opacity. No pleural effusion.\n\nIMPRESSION: Left basilar opacity, possibly atelectasis.',
  s200: 'FINDINGS: Heart size is enlarged. Small right pleural effusion.\n\nIMPRESSION: Cardiomegaly with small effusion.',
  s300: 'FINDINGS: Lungs are clear. No pneumothorax.',
} as const;

type Row = { study_id: string } & Record<string, unknown>;
const put = (run: Run, name: string, rows: Row[]) => run.artifact<Row>(name).appendMany(rows);

export async function writeInspectorFixtures(run: Run): Promise<void> {
  const reports = Object.entries(STUDY_TEXT).map(([id, text], i) => {
    const at = text.indexOf('FINDINGS:');
    const selected = text.slice(at);
    return {
      study_id: id,
      subject_id: `p${i + 1}`,
      dicom_id: null,
      view: 'postero-anterior',
      study_order: 1,
      study_date: null,
      split: 'train',
      source: `fixture:${id}`,
      text,
      selected,
      rule_text: selected,
      selected_offset: at,
      rule_offset: at,
      extra: {},
    };
  });
  put(run, 'reports', reports);
  const s100 = STUDY_TEXT.s100;
  const opStart = s100.indexOf('opacity');
  put(run, 'reference', [
    {
      study_id: 's100',
      subject_id: 'p1',
      entity: {
        opacity: {
          entity_name: 'opacity',
          location: ['left', 'basilar'],
          type: [],
          level: ['mild'],
          post_location: null,
          evidence: [{ sentence: 0, start: opStart, end: opStart + 'opacity'.length, text: 'opacity' }],
        },
      },
      no_entity: ['pleural effusion'],
      uncertain_entity: [],
    },
    {
      study_id: 's200',
      subject_id: 'p2',
      entity: {
        cardiomegaly: { entity_name: 'cardiomegaly', location: [], type: [], level: [] },
        'pleural effusion': { entity_name: 'pleural effusion', location: ['right'], type: [], level: ['small'] },
      },
      no_entity: [],
      uncertain_entity: [],
    },
    { study_id: 's300', subject_id: 'p3', entity: {}, no_entity: ['pneumothorax'], uncertain_entity: [] },
  ]);
  put(run, 'raw', [
    {
      study_id: 's100',
      status: 'ok',
      keyinfo: {
        entity: {
          opacity: { location: 'left basilar', level: 'mild', type: null },
          atelectasis: { location: 'left basilar' },
        },
        no_entity: ['pleural effusion'],
      },
      backend: 'llm',
    },
    {
      study_id: 's200',
      status: 'ok',
      keyinfo: { entity: { cardiomegaly: {}, 'pleural effusion': { location: 'right', level: 'small' } } },
      backend: 'llm',
    },
    {
      study_id: 's300',
      status: 'parse_error',
      keyinfo: null,
      raw_text: '{"entity": ',
      reason: 'unterminated JSON',
      backend: 'llm',
    },
  ]);
  const strict = (
    entity: Record<string, { location: string | null; level: string | null; type: string | null }>,
    no: string[],
    unc: Record<string, { location: string | null; level: string | null; type: string | null }> = {},
  ) => ({ opacity_vs_clear: {}, entity, uncertain_entity: unc, no_entity: no });
  put(run, 'standardized', [
    {
      study_id: 's100',
      cycle: 0,
      source: 'raw',
      keyinfo: strict(
        {
          opacity: { location: 'left lower lobe', level: 'mild', type: null },
          atelectasis: { location: 'left lower lobe', level: null, type: null },
        },
        ['pleural effusion'],
      ),
    },
    {
      study_id: 's200',
      cycle: 0,
      source: 'raw',
      keyinfo: strict(
        {
          cardiomegaly: { location: null, level: null, type: null },
          'pleural effusion': { location: 'right', level: 'small', type: null },
        },
        [],
      ),
    },
    {
      study_id: 's100',
      cycle: 1,
      source: 'followup',
      keyinfo: strict({ opacity: { location: 'left lower lobe', level: 'mild', type: null } }, ['pleural effusion'], {
        atelectasis: { location: 'left lower lobe', level: null, type: null },
      }),
    },
  ]);
  put(run, 'std-changes', [
    { study_id: 's100', cycle: 0, changes: ['location: left basilar → left lower lobe'] },
    { study_id: 's200', cycle: 0, changes: [] },
    { study_id: 's100', cycle: 1, changes: ['atelectasis moved to uncertain'] },
  ]);
  put(run, 'followup', [{ study_id: 's100', cycle: 1, question: 'Is the atelectasis certain?', answer: 'possibly' }]);
  put(run, 'followup-log', [
    {
      study_id: 's100',
      cycle: 1,
      seq: 0,
      polarity: 'positive',
      entity: 'atelectasis',
      question: 'Is there atelectasis in the left lower lobe?',
      before: {},
      after: {},
      status: 'applied',
    },
  ]);
  // Schema-valid QA pairs (QaPairSchema): the Dataset screen reads them the way `cxrvqa stats` does.
  const qa = (
    study_id: string,
    subject_id: string,
    question_type: string,
    question: string,
    answer: string,
    provenance: Record<string, unknown>,
  ) => ({
    study_id,
    qa_id: `${study_id}-${question_type}-${question.length}`,
    subject_id,
    dicom_id: null,
    ref_id: null,
    question_type,
    question,
    answer,
    answer_type: answer === 'yes' || answer === 'no' ? 'closed' : 'open',
    split: 'train',
    provenance,
  });
  put(run, 'questions', [
    qa('s100', 'p1', 'presence', 'is there evidence of opacity in this image?', 'yes', {
      entities: ['opacity'],
      source_cycle: 1,
      template: 'presence.evidence',
    }),
    qa('s100', 'p1', 'location', 'where is the opacity?', 'left lower lobe area', {
      entities: ['opacity'],
      source_cycle: 1,
      template: 'location.where',
    }),
    qa('s200', 'p2', 'abnormality', 'what abnormalities are seen in this image?', 'cardiomegaly, pleural effusion', {
      entities: ['cardiomegaly', 'pleural effusion'],
      source_cycle: 0,
      template: 'abnormality.what',
    }),
    qa('s200', 'p2', 'presence', 'is there pneumothorax?', 'no', {
      entities: [],
      source_cycle: 0,
      template: 'presence.library',
    }),
    qa('s200', 'p2', 'view', 'which view is this image taken?', 'PA view', {
      entities: [],
      source_cycle: 0,
      template: 'view.which',
    }),
  ]);
  for (const name of INSPECTED) run.artifact(name).close();
  await run.update((s) => {
    s.config.backend = 'llm';
    for (const [name, count] of Object.entries({
      reports: 3,
      reference: 3,
      raw: 3,
      standardized: 3,
      'std-changes': 3,
      followup: 1,
      questions: 5,
    })) {
      s.artifacts[name] = { version: 1, count, updatedAt: new Date().toISOString() };
    }
  });
}
