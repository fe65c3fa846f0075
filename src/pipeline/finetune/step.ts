import fs from 'node:fs';
import path from 'node:path';
import { extractionMessages, loadPrompt } from '../llm/index.js';
import { REPORTS } from '../ingest/artifacts.js';
import type { Step, StepContext, StepResult } from '../steps/contract.js';
import type { Run } from '../store/run.js';
import { UserError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { baseModelOf } from './export/configs.js';
import type { ExportSource } from './export/records.js';
import { finetuneLayout, writeAtomic, writeFinetuneFiles, type FinetuneLayout } from './export/write.js';
import { fineTunePathApplies } from './gold/step.js';
import { GOLD } from './gold/artifacts.js';
import { GOLD_REVIEW_ARTIFACT, listGold } from './gold/review.js';
import { FinetuneParamsSchema, type FinetuneParams } from './params.js';
import { trainingPromptId } from './prompt.js';
import { modelText } from '../extract/request.js';
import { styleOf } from '../runner/style.js';
import { checkPromptParity } from './templates/check.js';
import { lossChart } from './train/chart.js';
import { isTrainProgressLine, LossParser, parseTrainerLog, type LossPoint } from './train/loss.js';
import { moveAsideCheckpoints, planTraining, readTrainingStart, writeTrainingStart } from './train/checkpoints.js';
import { adapterProblems, configFingerprint, mergedProblems, modelChatTemplate, readMarker } from './train/outputs.js';
import { runStage, type StageEnv } from './train/stage.js';

/**
 * Finetune step: export the reviewed gold set as LLaMA-Factory / OpenAI
 * fine-tuning data, check training/inference prompt parity, then train the
 * LoRA adapter and merge it (`llamafactory-cli train` / `export`), each stage
 * skipped when its result is already there for the same config.
 */

type Ctx = StepContext<FinetuneParams>;

/**
 * A version-only artifact (no JSONL is written): the runner bumps it whenever
 * this step runs, so the serve step turns stale when a new model may exist.
 */
export const MODEL_ARTIFACT = 'finetune-model';

export const finetuneStep: Step<typeof FinetuneParamsSchema> = {
  id: 'finetune',
  title: 'Fine-tune (LoRA SFT + merge)',
  description:
    'Export the reviewed gold set as fine-tuning data and configs, check prompt parity, train a LoRA adapter and merge it with LLaMA-Factory.',
  params: FinetuneParamsSchema,
  reads: [REPORTS, GOLD, GOLD_REVIEW_ARTIFACT],
  writes: [MODEL_ARTIFACT],
  applies: (run) => fineTunePathApplies(run, goldProfile(run)),
  // The style picks the training prompt and input text (release: the published short prompt).
  usesStyle: true,

  async preflight(ctx) {
    loadPrompt(trainingPromptId(ctx.run, ctx.params));
    if ((await listGold(ctx.run)).length === 0) {
      throw new UserError(
        'The gold set is empty: there is nothing to fine-tune on.',
        'Run the gold step first: cxrvqa run --steps gold',
      );
    }
  },

  async run(ctx): Promise<StepResult> {
    const { run, params } = ctx;
    const layout = finetuneLayout(run.dir, params);
    const exported = await exportData(ctx, layout);
    const trainFp = configFingerprint(
      'train',
      fileHash(layout.trainYaml),
      fileHash(layout.datasetFile),
      fileHash(layout.datasetInfo),
      params.deepspeed === 'z3' ? fileHash(layout.deepspeedConfig) : null,
    );
    const stageEnv: StageEnv = {
      env: ctx.env.env,
      cwd: layout.root,
      signal: ctx.signal,
      emit: ctx.emit,
      execution: params.execution,
      pollMs: params.pollSeconds * 1000,
      waitMs: params.waitMinutes * 60_000,
    };

    const points: LossPoint[] = [];
    const args = ['train', layout.trainYaml];
    const trainDone = readMarker(path.join(layout.root, 'train.done.json'));
    let resumeStep = 0;
    if (!(trainDone?.fingerprint === trainFp && adapterProblems(layout.outputDir).length === 0)) {
      resumeStep = planTrainingStart(ctx, layout, trainFp, args);
    }
    const parser = new LossParser(params.loggingSteps, resumeStep);
    let lastProgress = 0;
    const trainOutcome = await runStage(
      {
        name: 'train',
        tool: 'llamafactory-cli',
        args,
        configFile: layout.trainYaml,
        logFile: layout.trainLog,
        check: () => adapterProblems(layout.outputDir),
        expects: `the LoRA adapter in ${layout.outputDir} (adapter_model.safetensors, adapter_config.json, train_results.json)`,
        marker: path.join(layout.root, 'train.done.json'),
        fingerprint: trainFp,
      },
      {
        ...stageEnv,
        onLine: (line) => {
          const pt = parser.feed(line);
          if (pt) {
            points.push(pt);
            ctx.emit({ type: 'metric', name: 'loss', x: pt.step, y: pt.loss });
            ctx.emit({
              type: 'log',
              level: 'info',
              message: `train | step ${pt.step}${parser.total ? `/${parser.total}` : ''} loss ${pt.loss}${pt.epoch !== null ? ` epoch ${pt.epoch}` : ''}`,
            });
            return true;
          }
          const prog = parser.progress;
          if (prog && isTrainProgressLine(line)) {
            if (Date.now() - lastProgress > 100 || prog.step === prog.total) {
              lastProgress = Date.now();
              ctx.emit({ type: 'progress', done: prog.step, total: prog.total });
            }
            return true; // tqdm redraws: progress events, not log lines
          }
          return false;
        },
      },
    );
    const series = readTrainerLog(layout.outputDir) ?? points;
    if (series.length) ctx.emit({ type: 'log', level: 'info', message: `training loss:\n${lossChart(series)}` });

    const mergeFp = configFingerprint('merge', fileHash(layout.mergeYaml), trainFp);
    const mergeOutcome = await runStage(
      {
        name: 'merge',
        tool: 'llamafactory-cli',
        args: ['export', layout.mergeYaml],
        configFile: layout.mergeYaml,
        logFile: layout.mergeLog,
        check: () => mergedProblems(layout.exportDir),
        expects: `the merged model in ${layout.exportDir} (config.json, tokenizer_config.json, *.safetensors)`,
        marker: path.join(layout.root, 'merge.done.json'),
        fingerprint: mergeFp,
      },
      stageEnv,
    );
    const last = series[series.length - 1];
    return {
      counts: { exported: exported.exported, skipped: exported.skipped, lossPoints: series.length },
      summary:
        `${exported.exported} records exported (${exported.skipped} skipped); training ${trainOutcome}, merge ${mergeOutcome}` +
        `${last ? `; final loss ${last.loss} at step ${last.step}` : ''}; merged model ${layout.exportDir}`,
    };
  },

  async preview(run) {
    const layout = finetuneLayout(run.dir, FinetuneParamsSchema.parse(run.state.steps.finetune?.params ?? {}));
    const trained = adapterProblems(layout.outputDir).length === 0;
    const merged = mergedProblems(layout.exportDir).length === 0;
    return `adapter ${trained ? 'trained' : 'not trained'}, merged model ${merged ? 'ready' : 'not ready'} (${layout.root})`;
  },
};

function goldProfile(run: Run): string {
  const p = run.state.steps.gold?.params?.profile;
  return typeof p === 'string' ? p : 'gold';
}

/** Gold → fine-tuning files; skips are listed; an empty result stops the step. */
async function exportData(ctx: Ctx, layout: FinetuneLayout): Promise<{ exported: number; skipped: number }> {
  const { run, params } = ctx;
  const rows = await listGold(run, params.requireReview);
  if (rows.length === 0)
    throw new UserError(
      'The gold set is empty: there is nothing to fine-tune on.',
      'Run the gold step first: cxrvqa run --steps gold',
    );
  const usableIds = new Set(rows.filter((r) => r.decision.usable).map((r) => r.study_id));
  const texts = new Map<string, string>();
  // The input extract will send: the style's section selection, the whole report when it is empty.
  const style = styleOf(run);
  for await (const r of run.open(REPORTS).lines())
    if (usableIds.has(r.study_id)) texts.set(r.study_id, modelText(r, style));
  const sources: ExportSource[] = [];
  const skips: Array<{ study_id: string; reason: string }> = [];
  for (const r of rows) {
    const d = r.decision;
    if (!d.usable) skips.push({ study_id: r.study_id, reason: d.reason });
    else if (!texts.has(r.study_id))
      skips.push({ study_id: r.study_id, reason: 'report text not found in the reports artifact' });
    else sources.push({ study_id: r.study_id, text: texts.get(r.study_id)!, keyinfo: d.keyinfo });
  }
  const prompt = loadPrompt(trainingPromptId(run, params));
  const res = writeFinetuneFiles(layout, sources, prompt.text, params, skips);
  for (const s of res.skipped) ctx.emit({ type: 'item', key: s.study_id, outcome: 'skipped', reason: s.reason });
  if (res.skipped.length) {
    ctx.emit({
      type: 'log',
      level: 'warn',
      message: `skipped ${res.skipped.length} gold records:\n${res.skipped.map((s) => `  ${s.study_id}: ${s.reason}`).join('\n')}`,
    });
  }
  if (res.exported === 0 || !res.firstRecord) {
    throw new UserError(
      `No usable gold records: all ${rows.length} were skipped (see the list above and ${layout.exportReport}).`,
      'Correct records with `cxrvqa gold edit ID --file keyinfo.json`, accept them, or re-run the gold step.',
    );
  }
  ctx.emit({
    type: 'log',
    level: 'info',
    message: `exported ${res.exported} records (base model ${baseModelOf(params)}, template ${params.family}):\n${res.files.map((f) => `  ${f}`).join('\n')}`,
  });

  const firstId = sources.find((s) => !res.skipped.some((k) => k.study_id === s.study_id))!;
  const serveWith = run.state.steps.serve?.params?.chatTemplate === 'model' ? 'model' : 'training';
  const baseDir = params.baseModel && fs.existsSync(params.baseModel) ? params.baseModel : null;
  const parity = checkPromptParity(params.family, res.firstRecord, extractionMessages(prompt, firstId.text), {
    serveWith,
    modelTemplate: baseDir ? modelChatTemplate(baseDir) : null,
    modelTemplateSource: baseDir ? `${baseDir}/tokenizer_config.json` : `built-in ${params.family} reference`,
  });
  writeAtomic(
    path.join(layout.root, 'prompt-parity.txt'),
    [
      `record ${firstId.study_id}`,
      ...parity.lines,
      '',
      '--- training prompt ---',
      parity.training,
      '--- served prompt ---',
      parity.served,
      '',
    ].join('\n'),
  );
  ctx.emit({
    type: 'log',
    level: parity.ok ? 'info' : 'warn',
    message: `record ${firstId.study_id}:\n${parity.lines.join('\n')}`,
  });
  return { exported: res.exported, skipped: res.skipped.length };
}

/**
 * Resume an interrupted training only from a checkpoint of the same config and
 * data; otherwise say why not, move the old checkpoints aside and train from
 * scratch. Adds the tool arguments; returns the step training resumes after.
 */
function planTrainingStart(ctx: Ctx, layout: FinetuneLayout, fingerprint: string, args: string[]): number {
  const startFile = path.join(layout.root, 'train.started.json');
  const last = readTrainingStart(startFile);
  const plan = planTraining(layout.outputDir, fingerprint, last);
  let resumeStep = 0;
  if (plan.kind === 'resume') {
    args.push(`resume_from_checkpoint=${plan.checkpoint.dir}`);
    resumeStep = plan.checkpoint.step;
    ctx.emit({
      type: 'log',
      level: 'info',
      message: `train: resuming from ${path.basename(plan.checkpoint.dir)} (step ${plan.checkpoint.step})`,
    });
  } else {
    const moved = moveAsideCheckpoints(layout.outputDir, last?.fingerprint.slice(0, 12) ?? 'unknown');
    if (plan.refused)
      ctx.emit({ type: 'log', level: 'warn', message: `train: ${plan.refused}; training from scratch` });
    if (moved)
      ctx.emit({ type: 'log', level: 'info', message: `train: checkpoints of the earlier training moved to ${moved}` });
    // Results of another config: train from scratch over them.
    if (plan.overwrite) args.push('overwrite_output_dir=true');
  }
  writeTrainingStart(startFile, { fingerprint, outputDir: layout.outputDir, startedAt: new Date().toISOString() });
  return resumeStep;
}

function fileHash(file: string): string {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return '';
  }
}

function readTrainerLog(outputDir: string): LossPoint[] | null {
  try {
    const pts = parseTrainerLog(fs.readFileSync(path.join(outputDir, 'trainer_log.jsonl'), 'utf8'));
    return pts.length ? pts : null;
  } catch {
    return null;
  }
}
