import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { FinetuneParams } from '../params.js';
import { TRAINING_JINJA } from '../templates/render.js';
import {
  deepspeedZ3,
  mergeConfig,
  missingKeys,
  REQUIRED_MERGE_KEYS,
  REQUIRED_TRAIN_KEYS,
  trainConfig,
  type FinetunePaths,
} from './configs.js';
import {
  alpacaRecord,
  chatRecord,
  checkAlpaca,
  checkChat,
  datasetInfoEntry,
  type AlpacaRecord,
  type ExportSource,
} from './records.js';

/** Where the fine-tune files of a run live (`<run>/finetune/...`). */
export interface FinetuneLayout extends FinetunePaths {
  root: string;
  datasetFile: string;
  datasetInfo: string;
  trainYaml: string;
  mergeYaml: string;
  chatJsonl: string;
  chatTemplate: string;
  exportReport: string;
  trainLog: string;
  mergeLog: string;
}

export function finetuneLayout(
  runDir: string,
  p: Pick<FinetuneParams, 'datasetName' | 'train' | 'merge'>,
): FinetuneLayout {
  const root = path.join(runDir, 'finetune');
  const datasetDir = path.join(root, 'data');
  const str = (v: unknown) => (typeof v === 'string' && v ? path.resolve(root, v) : null);
  return {
    root,
    datasetDir,
    datasetFile: path.join(datasetDir, `${p.datasetName}.json`),
    datasetInfo: path.join(datasetDir, 'dataset_info.json'),
    // A user override of output_dir / export_dir is honoured everywhere the step looks for results.
    outputDir: str(p.train.output_dir) ?? path.join(root, 'saves', 'lora-sft'),
    exportDir: str(p.merge.export_dir) ?? path.join(root, 'merged'),
    deepspeedConfig: path.join(root, 'ds_z3_config.json'),
    trainYaml: path.join(root, 'train.yaml'),
    mergeYaml: path.join(root, 'merge.yaml'),
    chatJsonl: path.join(root, 'openai_chat.jsonl'),
    chatTemplate: path.join(root, 'chat_template.jinja'),
    exportReport: path.join(root, 'export-report.json'),
    trainLog: path.join(root, 'train.log'),
    mergeLog: path.join(root, 'merge.log'),
  };
}

export interface ExportSkip {
  study_id: string;
  reason: string;
}

export interface ExportResult {
  exported: number;
  skipped: ExportSkip[];
  files: string[];
  firstRecord: AlpacaRecord | null;
}

/**
 * Write every fine-tuning file. Each record is validated as it will be read
 * back (strict KeyInfo output); a failing one is reported in `skipped`, not written.
 */
export function writeFinetuneFiles(
  layout: FinetuneLayout,
  sources: readonly ExportSource[],
  systemPrompt: string,
  params: FinetuneParams,
  priorSkips: readonly ExportSkip[] = [],
): ExportResult {
  fs.mkdirSync(layout.datasetDir, { recursive: true });
  const skipped: ExportSkip[] = [...priorSkips];
  const alpaca: AlpacaRecord[] = [];
  const chat: string[] = [];
  for (const src of sources) {
    const a = alpacaRecord(src, systemPrompt);
    const c = chatRecord(src, systemPrompt);
    const ca = checkAlpaca(a);
    const cc = checkChat(c);
    if (!ca.ok || !cc.ok) {
      skipped.push({ study_id: src.study_id, reason: !ca.ok ? ca.reason : !cc.ok ? cc.reason : '' });
      continue;
    }
    alpaca.push(a);
    chat.push(JSON.stringify(c));
  }
  const train = trainConfig(params, layout);
  const merge = mergeConfig(params, layout);
  const missTrain = missingKeys(train, REQUIRED_TRAIN_KEYS);
  const missMerge = missingKeys(merge, REQUIRED_MERGE_KEYS);
  if (missTrain.length || missMerge.length) {
    throw new Error(
      `fine-tune config is missing ${[...missTrain.map((k) => `train.${k}`), ...missMerge.map((k) => `merge.${k}`)].join(', ')}`,
    );
  }
  const info = { [params.datasetName]: datasetInfoEntry(path.basename(layout.datasetFile)) };
  writeAtomic(layout.datasetFile, JSON.stringify(alpaca, null, 2) + '\n');
  writeAtomic(layout.datasetInfo, JSON.stringify(info, null, 2) + '\n');
  writeAtomic(layout.chatJsonl, chat.map((l) => l + '\n').join(''));
  writeAtomic(layout.trainYaml, yamlWithHeader(train, 'llamafactory-cli train'));
  writeAtomic(layout.mergeYaml, yamlWithHeader(merge, 'llamafactory-cli export'));
  const withDeepspeed = params.deepspeed === 'z3';
  // train.yaml names the file only with z3; a copy left by an earlier z3 export would look like it is used.
  if (withDeepspeed) writeAtomic(layout.deepspeedConfig, JSON.stringify(deepspeedZ3(params.precision), null, 2) + '\n');
  else fs.rmSync(layout.deepspeedConfig, { force: true });
  writeAtomic(layout.chatTemplate, TRAINING_JINJA[params.family] + '\n');
  writeAtomic(layout.exportReport, JSON.stringify({ exported: alpaca.length, skipped }, null, 2) + '\n');
  return {
    exported: alpaca.length,
    skipped,
    files: [
      layout.datasetFile,
      layout.datasetInfo,
      layout.trainYaml,
      ...(withDeepspeed ? [layout.deepspeedConfig] : []),
      layout.mergeYaml,
      layout.chatJsonl,
      layout.chatTemplate,
    ],
    firstRecord: alpaca[0] ?? null,
  };
}

function yamlWithHeader(cfg: Record<string, unknown>, cmd: string): string {
  return `# Written by cxrvqa (finetune step). Run: ${cmd} <this file>\n` + YAML.stringify(cfg);
}

export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
