import { z } from 'zod';
import { ModelFamilySchema } from './templates/families.js';

/** Params of the gold, finetune and serve steps. Defaults follow docs/method.md §5. */

export const GoldParamsSchema = z.object({
  /** Reports in the gold set (`select_num` in the original). */
  n: z.number().int().positive().default(100),
  seed: z.number().int().default(123),
  /** A text or CSV file of study ids to leave out (e.g. the reports set aside for clinician review). */
  exclude: z.string().nullable().default(null),
  /** LLM profile of the strong model (`cxrvqa llm set --profile gold ...`). */
  profile: z.string().default('gold'),
  /** Prompt id or file; null = the profile's own `prompt` when it sets one, else `full` (rules and worked examples). */
  prompt: z.string().nullable().default(null),
  /** Reports in flight at once (the original used a pool of 10). */
  concurrency: z.number().int().positive().default(10),
});
export type GoldParams = z.infer<typeof GoldParamsSchema>;

export const PrecisionSchema = z.enum(['fp16', 'bf16', 'fp32']);

export const FinetuneParamsSchema = z.object({
  family: ModelFamilySchema.default('llama2'),
  /** `model_name_or_path`; null = the family's default (Llama-2-70b-chat for llama2). */
  baseModel: z.string().nullable().default(null),
  /** Prompt id the fine-tuned model is trained and run with. */
  prompt: z.string().default('simple'),
  datasetName: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('cxrvqa_gold'),
  /** Export only reviewed records (accepted or corrected); otherwise pending records count as accepted. */
  requireReview: z.boolean().default(false),
  loraTarget: z.string().default('q_proj,v_proj'),
  loraRank: z.number().int().positive().default(8),
  learningRate: z.number().positive().default(1e-3),
  epochs: z.number().positive().default(3),
  scheduler: z.string().default('cosine'),
  batchSize: z.number().int().positive().default(1),
  gradAccum: z.number().int().positive().default(1),
  precision: PrecisionSchema.default('fp16'),
  loggingSteps: z.number().int().positive().default(10),
  saveSteps: z.number().int().positive().default(100),
  cutoffLen: z.number().int().positive().default(4096),
  /** DeepSpeed ZeRO-3 as in the original; `none` for a single GPU. */
  deepspeed: z.enum(['z3', 'none']).default('z3'),
  /** Extra or overriding keys for train.yaml / merge.yaml (any LLaMA-Factory argument). */
  train: z.record(z.string(), z.unknown()).default({}),
  merge: z.record(z.string(), z.unknown()).default({}),
  /** `auto`: run the tools when they are on PATH, else print the commands and wait; `manual`: always print and wait. */
  execution: z.enum(['auto', 'manual']).default('auto'),
  /** Manual mode: seconds between checks for the results; minutes to wait in all (0 = until cancelled). */
  pollSeconds: z.number().positive().default(10),
  waitMinutes: z.number().nonnegative().default(0),
});
export type FinetuneParams = z.infer<typeof FinetuneParamsSchema>;

export const ServeParamsSchema = z.object({
  servedModelName: z.string().default('cxrvqa-extractor'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(8000),
  maxModelLen: z.number().int().positive().default(4096),
  /** Upper bound for `--tensor-parallel-size`; the GPU count decides below it. null = all GPUs. */
  tensorParallel: z.number().int().positive().nullable().default(null),
  gpuMemoryUtilization: z.number().positive().max(1).default(0.9),
  /** Environment variable holding the server's API key; when unset a key file is generated in the run. */
  apiKeyEnv: z.string().default('VLLM_API_KEY'),
  /** `training`: serve with the chat template the model was trained with (`--chat-template`); `model`: the model's own. */
  chatTemplate: z.enum(['training', 'model']).default('training'),
  readyTimeoutSeconds: z.number().positive().default(1800),
  /** Manual mode: seconds between checks for the server the user starts. */
  pollSeconds: z.number().positive().default(5),
  /** Gold reports sent through the extraction prompt as a smoke test. */
  smoke: z.number().int().nonnegative().default(3),
  /** Serve even when /tokenize shows the served prompt differs from the trained one. */
  allowPromptMismatch: z.boolean().default(false),
  extraArgs: z.array(z.string()).default([]),
  execution: z.enum(['auto', 'manual']).default('auto'),
});
export type ServeParams = z.infer<typeof ServeParamsSchema>;
