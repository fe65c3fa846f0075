import { afterEach, describe, expect, it } from 'vitest';
import { loadQuestionTemplate, questionText } from '../../src/pipeline/followup/prompts.js';
import { followupStep } from '../../src/pipeline/followup/step.js';
import { loadPrompt } from '../../src/pipeline/llm/prompts.js';
import { runStep } from '../../src/pipeline/runner/runner.js';
import type { Style } from '../../src/pipeline/schemas/style.js';
import type { AnyStep } from '../../src/pipeline/steps/contract.js';
import type { Run } from '../../src/pipeline/store/run.js';
import { closedAfterEach } from '../helpers/lifecycle.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { addAsked, env, makeRun, readAsk } from './fixtures.js';

const fu = followupStep as unknown as AnyStep;
let server: LoopbackServer | null = null;
const runs = closedAfterEach<Run>();
afterEach(async () => {
  await server?.close();
  server = null;
});

async function asked(style: Style): Promise<{ entities: string[]; system: string; first: string }> {
  const entities: string[] = [];
  server = await startLoopbackServer({
    respond: (req) => {
      const a = readAsk(req)!;
      entities.push(a.entity);
      return addAsked(a);
    },
  });
  const { run } = await makeRun(
    [
      {
        positives: [],
        refPositives: ['lung opacity', 'edema', 'atelectasis', 'blunting of the costophrenic angle'],
        refNegatives: ['pneumothorax'],
      },
    ],
    server.url,
  );
  runs.push(run);
  await run.update((s) => void (s.config.style = style));
  expect(await runStep(run, fu, { signal: new AbortController().signal, env: env(1) })).toBe('done');
  const system = server.requests[0]!.body.messages[0]!.content as string;
  const first = server.requests[0]!.body.messages[3]!.content as string;
  await server.close();
  server = null;
  return { entities, system, first };
}

describe('the follow-up step reads the run style', () => {
  it('improved: opacity asked, readable names, reference order, the simple prompt', async () => {
    const r = await asked('improved');
    expect(r.entities).toEqual(['pneumothorax', 'opacity', 'edema', 'atelectasis', 'pleural effusion']);
    expect(r.system).toBe(loadPrompt('simple').text);
    expect(r.first).toBe(questionText(loadQuestionTemplate('followup-negative'), 'pneumothorax'));
  });

  it('release: no opacity, the reference names, the first question then the rest from the last, the short prompt and questions', async () => {
    const r = await asked('release');
    expect(r.entities).toEqual(['pneumothorax', 'blunting of the costophrenic angle', 'atelectasis', 'edema']);
    expect(r.system).toBe(loadPrompt('simple-release').text);
    expect(r.first).toBe(questionText(loadQuestionTemplate('followup-negative', 'release'), 'pneumothorax'));
    expect(r.first).not.toBe(questionText(loadQuestionTemplate('followup-negative'), 'pneumothorax'));
  });
});
