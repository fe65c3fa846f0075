import type { ImageSummary } from '../dataset/images.js';
import type { WrittenFile } from './export.js';
import { GENERATOR_VERSION } from './registry.js';
import type { Style } from '../schemas/style.js';
import type { QuestionParams } from './schema.js';
import type { DatasetStats } from './stats.js';

export const MANIFEST_VERSION = 1;

export interface ManifestInput {
  version: string;
  params: QuestionParams;
  style: Style;
  threshold: number | null;
  llm: Record<string, unknown>;
  backend: string;
  inputs: Record<string, string | null>;
  counts: Record<string, number>;
  stats: DatasetStats;
  files: WrittenFile[];
  images?: ImageSummary;
}

/** Model and prompt identifiers from the run's LLM config (never endpoints or keys). */
export function modelAndPromptIds(llm: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (/key|secret|token|password|url|endpoint|header/i.test(k)) continue;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else if (/model|prompt/i.test(k)) out[key] = v;
    }
  };
  walk(llm, '');
  return out;
}

/**
 * What is needed to regenerate and check a dataset. No timestamps, so the same
 * inputs and seed give a byte-identical manifest as well.
 */
export function buildManifest(m: ManifestInput) {
  return {
    manifest_version: MANIFEST_VERSION,
    tool: { name: 'cxrvqa', version: m.version },
    generator_version: GENERATOR_VERSION,
    seed: m.params.seed,
    style: m.style,
    params: m.params,
    low_freq_threshold_applied: m.threshold,
    extraction: { backend: m.backend, ...modelAndPromptIds(m.llm) },
    inputs_sha256: m.inputs,
    counts: {
      total: m.stats.total,
      studies: m.stats.studies,
      subjects: m.stats.subjects,
      by_type: Object.fromEntries(m.stats.by_type.map((t) => [t.type, t.count])),
      by_split: m.stats.by_split,
      generation: m.counts,
    },
    files: m.files,
    ...(m.images ? { images: m.images } : {}),
    notes: {
      generator_version:
        'question generators: 1 drew from one random stream shared by all studies and types; 2 draws each (seed, study, question type) pair from its own stream',
      qa_id:
        'sha256 of [study_id, question_type, question, ref_id, seed], first 16 hex digits: stable for the same input and seed',
      ref_id:
        'set only for difference questions: the strictly earlier study (by study_order, then study date) of the same subject the question compares against; empty otherwise',
      images:
        'conversation records per split and how many have an image missing under the --images root (checked false: paths written, not looked up)',
      style:
        "release: the published dataset's question choices and wording (its wrong-answer bugs kept fixed); improved: cxrvqa's own (docs/differences.md)",
      split:
        'one split per subject: the metadata split column, or a seeded hash of the subject where it is missing (splitMode=seeded: always)',
    },
  };
}
