import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPORTS } from '../ingest/artifacts.js';
import { STANDARDIZED } from '../standardize/artifacts.js';
import { QUESTIONS } from './artifacts.js';
import { StrictKeyInfoSchema } from '../schemas/keyinfo.js';
import { buildFrequencyDicts } from '../standardize/dictionaries.js';
import { type Step, type StepContext, zeroOutputWarning } from '../steps/contract.js';
import type { ReadIssue } from '../store/jsonl.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';
import { sweepStaleTmpFiles } from '../util/staleTmp.js';
import { copyAs, hashFile, writeConversations, writeCsv } from './export.js';
import { buildMetadataIndex, generateSteps, type GenerateResult, type StandardizedRecord } from './generate.js';
import { defaultDiseaseFile } from '../names/diseases.js';
import { loadDiseaseLibrary } from './library.js';
import { buildManifest } from './manifest.js';
import { QaPairSchema, QuestionParamsSchema, type QaPair, type QuestionParams, type StudyMeta } from './schema.js';
import { computeStats } from './stats.js';
import { fmtNum } from '../util/format.js';
import { ImageLinks } from '../dataset/images.js';
import { styleOf } from '../runner/style.js';

export const DATASET_DIR = 'dataset';

const StandardizedInputSchema = z.object({
  study_id: z.string().min(1),
  keyinfo: StrictKeyInfoSchema,
  cycle: z.number().default(0),
  source: z.unknown().optional(),
});

const str = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;

/** Only the metadata fields of a report line (the text is not kept: 227k texts would fill memory). */
function toMeta(r: Record<string, unknown>): StudyMeta | null {
  const study_id = str(r.study_id);
  if (!study_id) return null;
  return {
    study_id,
    subject_id: str(r.subject_id) ?? `unknown-${study_id}`,
    dicom_id: str(r.dicom_id),
    view: str(r.view),
    study_order: typeof r.study_order === 'number' ? r.study_order : null,
    study_date: str(r.study_date),
    split: str(r.split),
  };
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** The current standardized record per study and the report metadata (shared with the dataset check). */
export async function readInputs(ctx: Pick<StepContext<unknown>, 'run' | 'emit'>) {
  const issues: ReadIssue[] = [];
  const onIssue = (i: ReadIssue) => issues.push(i);
  const std = ctx.run.artifact<StandardizedRecord>(
    'standardized',
    StandardizedInputSchema as z.ZodType<StandardizedRecord>,
  );
  // Standardize appends a new line when a cycle changes a record: the last line per study is current.
  const records = await std.readMap({ onIssue });
  if (records.size === 0)
    throw new UserError(
      'No standardized records in this run.',
      'Run the standardize step first: cxrvqa run --steps standardize',
    );
  const metas: StudyMeta[] = [];
  for await (const r of ctx.run.artifact<{ study_id: string }>('reports').lines({ onIssue })) {
    const m = toMeta(r as Record<string, unknown>);
    if (m) metas.push(m);
  }
  for (const i of issues.slice(0, 5)) ctx.emit({ type: 'log', level: 'warn', message: `input: ${i.detail}` });
  if (issues.length > 5)
    ctx.emit({ type: 'log', level: 'warn', message: `input: ${issues.length - 5} more unreadable lines skipped` });
  return { records, index: buildMetadataIndex(metas), unreadable: issues.length };
}

export function toolVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export const questionsStep: Step<typeof QuestionParamsSchema> = {
  id: 'questions',
  title: 'Question generation',
  description:
    'Generate VQA pairs from standardized KeyInfo (docs/method.md §10), export CSV/JSONL/conversations with a manifest and statistics.',
  params: QuestionParamsSchema,
  reads: [STANDARDIZED, REPORTS],
  writes: [QUESTIONS],
  usesStyle: true,
  async preflight(ctx) {
    const std = ctx.run.artifact('standardized');
    if (!std.exists() || fs.statSync(std.file).size === 0) {
      throw new UserError(
        'No standardized records in this run.',
        'Run the standardize step first: cxrvqa run --steps standardize',
      );
    }
    loadDiseaseLibrary();
  },
  async checkConfig(ctx) {
    // A setting, so a wrong path is reported before the hours of extraction that come before this step.
    const root = ctx.params.images;
    if (root !== undefined && !fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UserError(
        `The images folder ${root} does not exist.`,
        'Give the MIMIC-CXR-JPG root (the folder holding files/), or leave --images out to write unchecked paths.',
      );
    }
  },
  async run(ctx) {
    const { run, params } = ctx;
    // The step takes seconds even on MIMIC, so it always starts over; a resume resets the partial output.
    if (ctx.mode === 'resume') run.artifact('questions').reset();
    const diseases = loadDiseaseLibrary();
    const { records, index, unreadable } = await readInputs(ctx);
    if (ctx.signal.aborted) throw abortError();
    const dicts = buildFrequencyDicts([...records.values()].map((r) => r.keyinfo));

    const it = generateSteps(records.values(), index, dicts, params, diseases, undefined, styleOf(run));
    let result: GenerateResult;
    for (;;) {
      const r = it.next();
      if (r.done) {
        result = r.value;
        break;
      }
      ctx.emit({ type: 'progress', done: r.value.done, total: r.value.total });
      await yieldToLoop();
      // Nothing has been written yet, so stopping here leaves no partial records.
      if (ctx.signal.aborted) throw abortError();
    }
    const { pairs, counts } = result;
    ctx.emit({ type: 'progress', done: counts.studies_used, total: counts.studies_used });
    warnAbout(ctx, result, index.size);

    const art = run.artifact<QaPair>('questions', QaPairSchema);
    for (let i = 0; i < pairs.length; i += 10_000) art.appendMany(pairs.slice(i, i + 10_000));
    art.close();
    const files = await exportDataset(run, pairs, index, params, result, { unreadable });
    const missing = Object.entries(files.images.by_split).filter(([, s]) => s.missing > 0);
    if (missing.length)
      ctx.emit({
        type: 'log',
        level: 'warn',
        message: `images missing under ${params.images}: ${missing.map(([k, s]) => `${k} ${s.missing} of ${s.records}`).join(', ')}`,
      });
    const byType = Object.fromEntries(files.stats.by_type.map((t) => [`q_${t.type}`, t.count]));
    return {
      counts: {
        questions: pairs.length,
        studies: files.stats.studies,
        subjects: files.stats.subjects,
        ...byType,
        skipped_view: counts.skipped_view,
        skipped_no_metadata: counts.skipped_no_metadata,
      },
      summary: `${fmtNum(pairs.length)} QA pairs from ${fmtNum(files.stats.studies)} studies → ${files.dir}`,
      warning: zeroOutputWarning(counts.records, pairs.length, ...noQuestionsWhy(counts)),
    };
  },
  async preview(run: Run) {
    const file = path.join(run.dir, DATASET_DIR, 'stats.json');
    // The style leads the line: the questions cell is where the notebook shows it.
    const style = `${styleOf(run)} style`;
    if (!fs.existsSync(file)) return `${style} · no dataset yet`;
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      total: number;
      by_type: Array<{ type: string; count: number }>;
    };
    return `${style} · ${s.total} QA pairs: ${s.by_type
      .filter((t) => t.count)
      .map((t) => `${t.type} ${t.count}`)
      .join(', ')}`;
  },
};

/** Why >0 studies gave no question, and the fix, for the step's warning. */
function noQuestionsWhy(c: GenerateResult['counts']): [what: string, fix: string] {
  const what = `0 questions from ${fmtNum(c.records)} studies`;
  if (c.skipped_view > 0 && c.studies_used === 0)
    return [
      `${what}: none has an AP/PA view in the metadata`,
      'for corpora without views (e.g. an IU X-ray CSV) set cxrvqa run --set questions.unknownView=include',
    ];
  if (c.skipped_no_metadata > 0 && c.studies_used === 0)
    return [`${what}: none has report metadata`, 'run ingest again so every study has its metadata'];
  return [
    `${what}: no study's KeyInfo gave a question`,
    'check the extraction results (cxrvqa stats, the extract step log) and the questions params',
  ];
}

function warnAbout(ctx: StepContext<QuestionParams>, r: GenerateResult, metas: number): void {
  const c = r.counts;
  // No study used at all is the step's warning (noQuestionsWhy), not a log line.
  if (c.skipped_no_metadata > 0)
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `${c.skipped_no_metadata} standardized studies have no report metadata (of ${metas}); skipped`,
    });
  if (r.splitConflicts.length) {
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `${r.splitConflicts.length} subjects have studies in different metadata splits (e.g. ${r.splitConflicts.slice(0, 3).join(', ')}); each uses its earliest study's split`,
    });
  }
}

async function exportDataset(
  run: Run,
  pairs: QaPair[],
  index: ReturnType<typeof buildMetadataIndex>,
  params: QuestionParams,
  result: GenerateResult,
  extra: { unreadable: number },
) {
  const dir = run.outputDir(DATASET_DIR);
  // A killed export leaves its temp files behind (the rename never came).
  sweepStaleTmpFiles(dir);
  const stats = computeStats(pairs);
  const written = [
    writeCsv(path.join(dir, 'qa.csv'), pairs),
    // The questions artifact holds exactly the JSONL export: copy it instead of serializing twice.
    await copyAs(run.artifactPath('questions'), path.join(dir, 'qa.jsonl')),
  ];
  const links = new ImageLinks(params.images ?? null);
  const conv = writeConversations(path.join(dir, 'conversations.jsonl'), pairs, index, links);
  written.push({ file: conv.file, rows: conv.rows, bytes: conv.bytes, sha256: conv.sha256 });
  fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
  const manifest = buildManifest({
    version: toolVersion(),
    params,
    style: styleOf(run),
    threshold: result.threshold,
    llm: run.state.config.llm,
    backend: run.state.config.backend,
    inputs: {
      standardized: await hashFile(run.artifactPath('standardized')),
      reports: await hashFile(run.artifactPath('reports')),
      disease_lib: await hashFile(defaultDiseaseFile()),
    },
    counts: {
      ...result.counts,
      unreadable_input_lines: extra.unreadable,
      conversations_without_image: conv.withoutImage,
    },
    stats,
    files: written,
    images: links.summary(),
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { dir, stats, images: links.summary() };
}
