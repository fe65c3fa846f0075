import { z } from 'zod';
import type { Step } from '../../src/pipeline/steps/contract.js';
import { artifactName } from '../../src/pipeline/store/artifact.js';

/** A counting step over N keys: writes one record per key, resumes by key, honours the signal. */
export function countingStep(
  opts: {
    id?: string;
    reads?: string[];
    writes?: string[];
    n?: number;
    failAt?: number;
    abortAt?: { at: number; controller: AbortController };
  } = {},
) {
  const params = z.object({
    n: z
      .number()
      .int()
      .positive()
      .default(opts.n ?? 20),
    label: z.string().default('x'),
  });
  const seen: string[] = [];
  const step: Step<typeof params> = {
    id: opts.id ?? 'count',
    title: 'Count things',
    description: 'test step',
    params,
    reads: opts.reads ?? [],
    writes: opts.writes ?? ['counted'],
    async run(ctx) {
      const out = ctx.run.artifact<{ study_id: string; label: string }>(artifactName(this.writes[0]!));
      const done = ctx.mode === 'resume' ? await out.keys() : new Set<string>();
      let wrote = 0;
      for (let i = 0; i < ctx.params.n; i++) {
        const key = String(i);
        if (done.has(key)) continue;
        if (opts.abortAt && i === opts.abortAt.at) opts.abortAt.controller.abort();
        if (ctx.signal.aborted) break;
        if (opts.failAt === i) throw new Error(`boom at ${i}`);
        seen.push(key);
        out.append({ study_id: key, label: ctx.params.label });
        wrote++;
        if (i % 1000 === 0) ctx.emit({ type: 'progress', done: i + 1, total: ctx.params.n });
      }
      out.close();
      return {
        counts: { [artifactName(this.writes[0]!)]: done.size + wrote, written: wrote },
        summary: `${wrote} written`,
      };
    },
  };
  return { step, seen };
}
