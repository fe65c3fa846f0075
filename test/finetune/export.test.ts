import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FinetuneParamsSchema } from '../../src/pipeline/finetune/params.js';
import { finetuneLayout, writeFinetuneFiles } from '../../src/pipeline/finetune/export/write.js';
import { TargetKeyInfoSchema, toTrainingKeyInfo, decideGold } from '../../src/pipeline/finetune/gold/usable.js';
import type { ExtractionResult } from '../../src/pipeline/schemas/extraction.js';
import { makeTempDir } from '../helpers/tmp.js';

const ki = (name: string) => ({
  opacity_vs_clear: { opacity: { location: 'bibasilar', level: null, type: null } },
  entity: { [name]: { location: 'left', level: 'small', type: null } },
  uncertain_entity: ['edema'],
  no_entity: ['pneumothorax'],
});
const SYSTEM = 'You return KeyInfo JSON for a chest X-ray report.';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

function exportSample(over: Record<string, unknown> = {}) {
  tmp = makeTempDir();
  const params = FinetuneParamsSchema.parse(over);
  const layout = finetuneLayout(tmp.dir, params);
  const sources = [
    { study_id: 'a', text: 'FINDINGS: Small left effusion.', keyinfo: ki('pleural effusion') },
    { study_id: 'b', text: 'FINDINGS: Mild edema.\n', keyinfo: ki('edema') },
    { study_id: 'c', text: '', keyinfo: ki('atelectasis') },
  ];
  const res = writeFinetuneFiles(layout, sources, SYSTEM, params, [{ study_id: 'd', reason: 'failed: server' }]);
  return { params, layout, res };
}

describe('fine-tuning export', () => {
  it('writes an alpaca JSON array whose outputs parse as KeyInfo, and the dataset_info entry mapping system/prompt/query/response', () => {
    const { layout, res } = exportSample();
    const data = JSON.parse(fs.readFileSync(layout.datasetFile, 'utf8')) as Array<Record<string, string>>;
    expect(Array.isArray(data)).toBe(true);
    expect(data).toHaveLength(2);
    for (const rec of data) {
      expect(Object.keys(rec).sort()).toEqual(['input', 'instruction', 'output', 'system']);
      expect(rec.system).toBe(SYSTEM);
      expect(rec.instruction).toBe('');
      expect(TargetKeyInfoSchema.safeParse(JSON.parse(rec.output!)).success).toBe(true);
    }
    expect(data[1]!.input).toBe('FINDINGS: Mild edema.\n');
    const info = JSON.parse(fs.readFileSync(layout.datasetInfo, 'utf8'));
    expect(info.cxrvqa_gold).toEqual({
      file_name: 'cxrvqa_gold.json',
      formatting: 'alpaca',
      columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system' },
    });
    expect(res.exported).toBe(2);
  });

  it('a record that fails validation is reported, not exported; earlier skips are kept in the report', () => {
    const { layout, res } = exportSample();
    expect(res.skipped).toEqual([
      { study_id: 'd', reason: 'failed: server' },
      { study_id: 'c', reason: 'empty report text' },
    ]);
    const report = JSON.parse(fs.readFileSync(layout.exportReport, 'utf8'));
    expect(report.exported).toBe(2);
    expect(report.skipped.map((s: { study_id: string }) => s.study_id)).toEqual(['d', 'c']);
  });

  it('writes the OpenAI/Azure chat JSONL: system, user, assistant per line, assistant content is KeyInfo', () => {
    const { layout } = exportSample();
    const lines = fs.readFileSync(layout.chatJsonl, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      const rec = JSON.parse(l) as { messages: Array<{ role: string; content: string }> };
      expect(rec.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(TargetKeyInfoSchema.safeParse(JSON.parse(rec.messages[2]!.content)).success).toBe(true);
    }
  });

  it('train.yaml carries the §5 defaults (Llama 2 70B chat, LoRA q_proj,v_proj, lr 1e-3 cosine, 3 epochs, fp16, ZeRO-3)', () => {
    const { layout } = exportSample();
    const cfg = YAML.parse(fs.readFileSync(layout.trainYaml, 'utf8'));
    expect(cfg).toMatchObject({
      model_name_or_path: 'meta-llama/Llama-2-70b-chat-hf',
      stage: 'sft',
      do_train: true,
      finetuning_type: 'lora',
      lora_target: 'q_proj,v_proj',
      template: 'llama2',
      dataset: 'cxrvqa_gold',
      dataset_dir: layout.datasetDir,
      output_dir: layout.outputDir,
      learning_rate: 0.001,
      lr_scheduler_type: 'cosine',
      num_train_epochs: 3,
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 1,
      fp16: true,
      logging_steps: 10,
      deepspeed: layout.deepspeedConfig,
    });
    const merge = YAML.parse(fs.readFileSync(layout.mergeYaml, 'utf8'));
    expect(merge).toMatchObject({
      model_name_or_path: 'meta-llama/Llama-2-70b-chat-hf',
      adapter_name_or_path: layout.outputDir,
      template: 'llama2',
      finetuning_type: 'lora',
      export_dir: layout.exportDir,
    });
  });

  it('the DeepSpeed config is ZeRO-3 with the original settings', () => {
    const { layout } = exportSample();
    const ds = JSON.parse(fs.readFileSync(layout.deepspeedConfig, 'utf8'));
    expect(ds.zero_optimization).toMatchObject({
      stage: 3,
      overlap_comm: true,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    });
    expect(ds.fp16).toMatchObject({
      enabled: 'auto',
      loss_scale: 0,
      loss_scale_window: 1000,
      initial_scale_power: 16,
      hysteresis: 2,
      min_loss_scale: 1,
    });
  });

  it('every default is overridable: family, precision, extra train keys, output folder', () => {
    const { layout } = exportSample({
      family: 'qwen',
      precision: 'bf16',
      deepspeed: 'none',
      learningRate: 2e-4,
      train: { warmup_ratio: 0.1, output_dir: 'saves/qwen' },
    });
    const cfg = YAML.parse(fs.readFileSync(layout.trainYaml, 'utf8'));
    expect(cfg).toMatchObject({
      model_name_or_path: 'Qwen/Qwen2.5-7B-Instruct',
      template: 'qwen',
      bf16: true,
      learning_rate: 0.0002,
      warmup_ratio: 0.1,
    });
    expect(cfg.fp16).toBeUndefined();
    expect(cfg.deepspeed).toBeUndefined();
    expect(layout.outputDir).toBe(path.join(layout.root, 'saves/qwen'));
    expect(cfg.output_dir).toBe(layout.outputDir); // absolute, so the printed command works from any folder
    expect(YAML.parse(fs.readFileSync(layout.mergeYaml, 'utf8')).adapter_name_or_path).toBe(layout.outputDir);
  });

  it('with deepspeed=none no ZeRO-3 file is written or listed, and one left by an earlier z3 export is removed', () => {
    const z3 = exportSample();
    expect(fs.existsSync(z3.layout.deepspeedConfig)).toBe(true);
    const params = FinetuneParamsSchema.parse({ deepspeed: 'none' });
    const res = writeFinetuneFiles(
      z3.layout,
      [{ study_id: 'a', text: 'FINDINGS: Small left effusion.', keyinfo: ki('pleural effusion') }],
      SYSTEM,
      params,
    );
    expect(res.files).not.toContain(z3.layout.deepspeedConfig);
    expect(res.files.some((f) => f.endsWith('.json') && f.includes('ds_'))).toBe(false);
    expect(fs.existsSync(z3.layout.deepspeedConfig)).toBe(false);
    expect(YAML.parse(fs.readFileSync(z3.layout.trainYaml, 'utf8')).deepspeed).toBeUndefined();
  });
});

describe('training targets from gold records', () => {
  const rec = (over: Partial<ExtractionResult>): ExtractionResult => ({
    study_id: 'x',
    status: 'ok',
    keyinfo: ki('effusion'),
    backend: 'llm',
    ...over,
  });

  it('fills habitual gaps: missing opacity_vs_clear, omitted attributes, uncertain_entity as a dict', () => {
    const r = toTrainingKeyInfo({
      entity: { effusion: { location: 'left' } },
      uncertain_entity: { edema: { location: null } },
      no_entity: [],
    });
    expect(r).toEqual({
      ok: true,
      keyinfo: {
        opacity_vs_clear: {},
        entity: { effusion: { location: 'left', level: null, type: null } },
        uncertain_entity: ['edema'],
        no_entity: [],
      },
    });
  });

  it('refuses shapes it cannot trust, with the path', () => {
    const r = toTrainingKeyInfo({
      entity: { effusion: { location: ['left', 'right'] } },
      uncertain_entity: [],
      no_entity: [],
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('entity.effusion.location');
    expect(toTrainingKeyInfo({ entity: 'error' })).toEqual({
      ok: false,
      reason: 'entity is "error" (the call failed)',
    });
  });

  it('failed, filtered and unparseable gold records are skipped with the reason; a correction rescues one', () => {
    expect(decideGold(rec({ status: 'failed', keyinfo: null, reason: 'server: 500' }), undefined, false)).toMatchObject(
      { usable: false, reason: 'failed: server: 500' },
    );
    expect(decideGold(rec({ status: 'filtered', keyinfo: null }), undefined, false)).toMatchObject({
      usable: false,
      reason: 'filtered',
    });
    expect(
      decideGold(rec({ status: 'parse_error', keyinfo: null, reason: 'no JSON' }), undefined, false),
    ).toMatchObject({ usable: false });
    const fixed = toTrainingKeyInfo(ki('effusion'));
    expect(
      decideGold(
        rec({ status: 'failed', keyinfo: null }),
        { status: 'corrected', keyinfo: fixed.ok ? fixed.keyinfo : null },
        false,
      ),
    ).toMatchObject({ usable: true, source: 'correction' });
  });

  it('pending counts as accepted unless review is required; rejected is skipped', () => {
    expect(decideGold(rec({}), undefined, false)).toMatchObject({ usable: true, review: 'pending' });
    expect(decideGold(rec({}), undefined, true)).toMatchObject({
      usable: false,
      reason: 'not reviewed (review is required)',
    });
    expect(decideGold(rec({}), { status: 'accepted', keyinfo: null }, true)).toMatchObject({ usable: true });
    expect(decideGold(rec({}), { status: 'rejected', keyinfo: null }, false)).toMatchObject({
      usable: false,
      reason: 'rejected in review',
    });
  });
});
