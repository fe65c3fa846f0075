import { referenceToKeyInfo } from '../rules/toKeyInfo.js';
import { REFERENCE } from '../rules/artifacts.js';
import type { ExtractionResult } from '../schemas/extraction.js';
import { RAW } from './artifacts.js';
import type { StepContext } from '../steps/contract.js';
import { styleOf } from '../runner/style.js';

const FLUSH_EVERY = 1000;

/** Backend `rules`: the reference extractor's records in KeyInfo form (no model involved). */
export async function extractWithRules(
  ctx: StepContext<unknown>,
  done: ReadonlySet<string>,
): Promise<{ written: number; skipped: number }> {
  const raw = ctx.run.open(RAW);
  const ref = ctx.run.open(REFERENCE);
  const total = ctx.run.state.artifacts['reference']?.count ?? null;
  let written = 0;
  let skipped = 0;
  let pending: ExtractionResult[] = [];
  let last = 0;
  const at = new Date().toISOString();
  for await (const r of ref.lines()) {
    if (ctx.signal.aborted) break;
    if (done.has(r.study_id)) {
      skipped++;
      continue;
    }
    pending.push({
      study_id: r.study_id,
      status: 'ok',
      keyinfo: referenceToKeyInfo(r, styleOf(ctx.run)),
      backend: 'rules',
      at,
    });
    if (pending.length >= FLUSH_EVERY) {
      raw.appendMany(pending);
      written += pending.length;
      pending = [];
    }
    const now = Date.now();
    if (now - last > 100) {
      last = now;
      ctx.emit({ type: 'progress', done: written + pending.length + skipped, total });
    }
  }
  // Records built before a stop are whole; keep them.
  raw.appendMany(pending);
  written += pending.length;
  raw.close();
  ctx.emit({ type: 'progress', done: written + skipped, total: total ?? written + skipped });
  return { written, skipped };
}
