import { afterEach, describe, expect, it } from 'vitest';
import { goldStep } from '../../src/pipeline/finetune/gold/step.js';
import { ExtractionResultSchema } from '../../src/pipeline/schemas/extraction.js';
import { startBatchServer } from '../helpers/loopback-batch.js';
import type { LoopbackServer } from '../helpers/loopback-server.js';
import { makeHarness, stepErrors, type Harness } from './harness.js';

/** The gold set through a strong model's Batch API (as the original used Azure for it). */

let h: Harness | null = null;
let server: LoopbackServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await h?.cleanup();
  h = null;
});

describe('gold step on the batch engine', () => {
  it('extracts the selection in one batch named by stage, and writes each report once', async () => {
    const started = await startBatchServer({ perPoll: 3 }, { models: ['strong'] });
    server = started.server;
    const llm = {
      profiles: { gold: { model: 'strong', endpoints: [{ url: server.url }], engine: 'batch', batch: { pollMs: 5 } } },
    };
    h = await makeHarness({ reports: 10, llm, params: { gold: { n: 6, seed: 3 } } });
    const r = await h.step(goldStep as never);
    expect(r.outcome, stepErrors(h)).toBe('done');
    expect(started.batch.batches).toHaveLength(1);
    expect(started.batch.batches[0]).toHaveLength(6);
    expect(started.batch.batches[0]!.every((id) => id.startsWith('gold|'))).toBe(true);
    expect(server.count).toBe(0);
    const lines: string[] = [];
    for await (const row of h.run.artifact('gold', ExtractionResultSchema).lines()) lines.push(row.study_id);
    expect(lines).toHaveLength(6);
    expect(new Set(lines).size).toBe(6);
  });
});
