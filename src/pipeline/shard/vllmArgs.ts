import fs from 'node:fs';
import type { Run } from '../store/run.js';
import { finetuneLayout } from '../finetune/export/write.js';
import { FinetuneParamsSchema, ServeParamsSchema } from '../finetune/params.js';
import { serveCommand } from '../finetune/serve/vllm.js';
import { mergedProblems } from '../finetune/train/outputs.js';

/**
 * The `vllm run-batch` engine arguments: the serve step's settings (max model
 * length, GPU memory share, generation config, chat template, extra args), with
 * the model the run's requests name as the served name. The weights are the
 * run's merged model when it has one, else `modelPath` (a path or a hub id).
 */
export function runBatchArgs(
  run: Run,
  model: string,
  o: { modelPath?: string; tensorParallel: number },
): { args: string[]; weights: string } {
  const serve = ServeParamsSchema.parse(run.state.steps.serve?.params ?? {});
  const layout = finetuneLayout(run.dir, FinetuneParamsSchema.parse(run.state.steps.finetune?.params ?? {}));
  const merged = fs.existsSync(layout.exportDir) && mergedProblems(layout.exportDir).length === 0;
  const weights = o.modelPath ?? (merged ? layout.exportDir : model);
  const chatTemplate = serve.chatTemplate === 'training' && merged ? layout.chatTemplate : null;
  const cmd = serveCommand(weights, serve, o.tensorParallel, chatTemplate, [model]);
  // `serve MODEL_DIR` becomes `--model MODEL_DIR`; a batch runner listens nowhere, so host and port go.
  const args: string[] = ['--model', weights];
  const rest = cmd.args.slice(2);
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--host' || rest[i] === '--port') {
      i++;
      continue;
    }
    args.push(rest[i]!);
  }
  return { args, weights };
}
