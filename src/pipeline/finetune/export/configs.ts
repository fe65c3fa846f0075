import { FAMILIES } from '../templates/families.js';
import type { FinetuneParams } from '../params.js';

/**
 * LLaMA-Factory configs for `llamafactory-cli train` / `export` and the
 * DeepSpeed ZeRO-3 config. Values follow docs/method.md §5 (the original run);
 * `params.train` / `params.merge` override or add any key.
 */

export interface FinetunePaths {
  datasetDir: string;
  outputDir: string;
  exportDir: string;
  deepspeedConfig: string;
}

export function baseModelOf(p: FinetuneParams): string {
  return p.baseModel ?? FAMILIES[p.family].defaultBase;
}

export function trainConfig(p: FinetuneParams, paths: FinetunePaths): Record<string, unknown> {
  const base: Record<string, unknown> = {
    model_name_or_path: baseModelOf(p),
    stage: 'sft',
    do_train: true,
    finetuning_type: 'lora',
    lora_target: p.loraTarget,
    lora_rank: p.loraRank,
    ...(p.deepspeed === 'z3' ? { deepspeed: paths.deepspeedConfig } : {}),
    dataset_dir: paths.datasetDir,
    dataset: p.datasetName,
    template: FAMILIES[p.family].lfTemplate,
    cutoff_len: p.cutoffLen,
    overwrite_cache: true,
    output_dir: paths.outputDir,
    logging_steps: p.loggingSteps,
    save_steps: p.saveSteps,
    plot_loss: true,
    report_to: 'none',
    per_device_train_batch_size: p.batchSize,
    gradient_accumulation_steps: p.gradAccum,
    learning_rate: p.learningRate,
    num_train_epochs: p.epochs,
    lr_scheduler_type: p.scheduler,
    ...(p.precision === 'fp16' ? { fp16: true } : p.precision === 'bf16' ? { bf16: true } : {}),
  };
  // output_dir may be overridden, but always as the absolute path the step checks for results.
  return { ...base, ...p.train, output_dir: paths.outputDir };
}

export function mergeConfig(p: FinetuneParams, paths: FinetunePaths): Record<string, unknown> {
  return {
    model_name_or_path: baseModelOf(p),
    template: FAMILIES[p.family].lfTemplate,
    finetuning_type: 'lora',
    export_size: 5,
    export_device: 'cpu',
    export_legacy_format: false,
    ...p.merge,
    // Where the step looks for the adapter and the merged model: absolute, whatever the override.
    adapter_name_or_path: paths.outputDir,
    export_dir: paths.exportDir,
  };
}

/** ZeRO-3 as in the original (docs/method.md §5); "auto" lets the HF Trainer fill batch and clipping values. */
export function deepspeedZ3(precision: FinetuneParams['precision']): Record<string, unknown> {
  return {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    fp16: {
      enabled: precision === 'fp16' ? 'auto' : false,
      loss_scale: 0,
      loss_scale_window: 1000,
      initial_scale_power: 16,
      hysteresis: 2,
      min_loss_scale: 1,
    },
    bf16: { enabled: precision === 'bf16' ? 'auto' : false },
    zero_optimization: {
      stage: 3,
      overlap_comm: true,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      reduce_bucket_size: 'auto',
      stage3_prefetch_bucket_size: 'auto',
      stage3_param_persistence_threshold: 'auto',
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    },
  };
}

/** Keys `llamafactory-cli train` needs for a LoRA SFT run; checked before the file is written. */
export const REQUIRED_TRAIN_KEYS = [
  'model_name_or_path',
  'stage',
  'do_train',
  'finetuning_type',
  'lora_target',
  'dataset_dir',
  'dataset',
  'template',
  'output_dir',
] as const;
export const REQUIRED_MERGE_KEYS = [
  'model_name_or_path',
  'adapter_name_or_path',
  'template',
  'finetuning_type',
  'export_dir',
] as const;

export function missingKeys(cfg: Record<string, unknown>, keys: readonly string[]): string[] {
  return keys.filter((k) => cfg[k] === undefined || cfg[k] === null || cfg[k] === '');
}
