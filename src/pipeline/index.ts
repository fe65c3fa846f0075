/**
 * The pipeline's public surface: the only module `src/cli`, `src/ui` and
 * `src/present` import (test/ui/boundary.test.ts). Re-export what a front end
 * needs, by area; keep the rest internal so it can move without touching them.
 */

// Runs on disk: state, artifacts, the lock.
export { Run } from './store/run.js';
export { holderState, RunLockedError } from './store/lock.js';
export { artifactName } from './store/artifact.js';
export { defineStateSection, readSection, writeSection } from './store/sections.js';
export type { CorpusConfig, StepDisplayStatus } from './schemas/state.js';
export { packageRoot } from './util/paths.js';
export { UserError } from './util/errors.js';

// Steps and the runner: the step contract, the registry, running and status.
export { planFor, STEPS } from './steps/registry.js';
export type {
  AnyStep,
  Applicability,
  ProgressSnapshot,
  RunEnv,
  RunMode,
  RunnerEvent,
  StepOutcome,
} from './steps/contract.js';
export { recoverInterrupted, runPipeline, runStep } from './runner/runner.js';
export { displayStatus, effectiveParams, staleReasons, stepState, stepWarnings } from './runner/status.js';
export { recordStepEngine, stepEngine } from './runner/engine.js';
export type { StepEngine } from './schemas/engine.js';
export {
  applyConfig,
  applyParams,
  corpusConfigFrom,
  InvalidParamError,
  parseParamOverrides,
  parseParamUnsets,
  setStepParams,
  type CorpusFlags,
} from './runner/configure.js';
export { remapColumns, setCorpusColumns } from './ingest/mapping.js';
export { MAPPED_FIELDS, splitColumns } from './ingest/columns.js';
export { previewCorpusFile, previewProblems, type CorpusPreview } from './ingest/preview.js';
export { parseStyle } from './runner/style.js';
export { CYCLE_COLUMNS, cycleHistory, DEFAULT_CYCLES } from './followup/cycles.js';
export { keptOutputs } from './runner/kept.js';

// LLM settings and endpoints (`cxrvqa llm`, the setup wizard).
export { EndpointSchema } from './llm/config.js';
export { endpointLabel, loadPrompt, parseLlmConfig, preflightLlm, resolveProfile } from './llm/index.js';
export { applyLlmSettings, hasLlmSettings, type LlmSettings } from './llm/settings.js';
export { parseMaxFailed } from './llm/failures.js';
export { invocationDataUse, recordedDataUse } from './llm/guard.js';

// Inspecting a run: studies across stages, re-running one report, reviews, dataset statistics.
export {
  filterLabel,
  INSPECTED,
  nextFilter,
  StudyIndex,
  summaryNames,
  type Stage,
  type StudyDetail,
  type StudyFilter,
} from './inspect/studyIndex.js';
export { disagree, fromKeyInfo, POLARITY_MARK, sortFindings, type Finding } from './inspect/findings.js';
export { acceptExtraction, rerunAvailability, rerunExtraction, type RerunOptions } from './inspect/rerun.js';
export {
  readReviewSession,
  ReviewStore,
  saveReviewSession,
  type JudgmentRecord,
  type ReviewSession,
  type Verdict,
} from './inspect/reviews.js';
export { accuracyTable, exportReviewCsv } from './inspect/reviewAccuracy.js';
export { seededSample } from './util/random.js';
export { datasetOverview, loadDatasetStats, type DatasetOverview } from './inspect/datasetStats.js';
export { studyExchanges, warmResponseCache, type LlmExchange, type StudyExchanges } from './inspect/exchanges.js';
export { TYPE_CELL_HEADERS, typeCells, type DatasetStats } from './questions/stats.js';
export { readDatasetChecks, type DatasetChecks } from './dataset/step.js';
export { runStandaloneQuestions } from './questions/standalone.js';
export type { ExtractionResult } from './schemas/extraction.js';

// Presentation primitives shared with the headless log the steps write themselves.
export { fmtNum, fmtPct, formatCost, formatDuration, formatUsage } from './util/format.js';
export { bucketMeans, plotSeries } from './finetune/train/chart.js';

// Other commands' pipeline work: metadata, report, evaluation, fine-tuning, gold review.
export { buildJpgMetadata, writeMetadataCsv } from './ingest/jpgMetadata.js';
export { writeRunReport } from './report/write.js';
export { formatReport } from './eval/format.js';
export { runEvaluation, type EvalOptions } from './eval/run.js';
export { finetuneLayout } from './finetune/export/write.js';
export { FinetuneParamsSchema } from './finetune/params.js';
export { isAlive, killGroup } from './finetune/proc/child.js';
export { readServerRecord, serverRecordFile } from './finetune/serve/vllm.js';
export { adapterProblems, mergedProblems } from './finetune/train/outputs.js';
export { goldItem, listGold, reviewCounts, reviewFile, setReview } from './finetune/gold/review.js';
export { importShards, shardStage, SHARD_STAGES, type ImportReport, type ShardStage } from './shard/index.js';
