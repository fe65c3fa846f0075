/**
 * bench:llm section "prefix": prompt tokens per report and the share a server's
 * prefix cache serves once (the tokens every prompt starts with), for the prompts
 * extract and the follow-up cycles send, over synthetic reports.
 *
 *   npm run bench:llm -- --only prefix [--reports N]
 *   npm run bench:llm -- --only prefix --tokenize http://GPU-HOST:8000 --model NAME
 *
 * With --tokenize, every prompt goes through vLLM's /tokenize with its messages,
 * so the served model's chat template and tokenizer count; without it (or when
 * the server has no /tokenize) the figures are the chars/4 estimate, labelled.
 */
import { tokenize } from '../src/pipeline/finetune/serve/vllm.js';
import { followupMessages, loadQuestionTemplate, questionText } from '../src/pipeline/followup/prompts.js';
import { describeSource, measurePrefix, type PrefixFigures } from '../src/pipeline/llm/prefix.js';
import { extractionMessages, loadPrompt } from '../src/pipeline/llm/prompts.js';
import type { ChatMessage } from '../src/pipeline/llm/types.js';
import { modelText } from '../src/pipeline/extract/request.js';
import { synthReportRecords } from '../scripts/lib/synth.js';

const TARGET = 0.8;

function line(name: string, f: PrefixFigures, target = false): string {
  const pct = (f.share * 100).toFixed(1);
  const verdict = target ? ` (target >= ${TARGET * 100}%: ${f.share >= TARGET ? 'met' : 'NOT met'})` : '';
  return `  ${name.padEnd(34)} ${f.meanTokens.toFixed(0).padStart(5)} tokens per prompt, shared prefix ${f.sharedTokens.toFixed(0).padStart(5)} = ${pct}%${verdict}`;
}

export async function prefix(args: string[]): Promise<void> {
  const opt = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const n = Number(opt('reports') ?? 500);
  const url = opt('tokenize')?.replace(/\/v1\/?$/, '');
  const model = opt('model') ?? 'extractor';
  const signal = new AbortController().signal;
  const tokenizer = url
    ? {
        label: `/tokenize at ${url}, model ${model}`,
        tokenize: (messages: ChatMessage[]) => tokenize(url, { model, messages, add_generation_prompt: true }, signal),
      }
    : undefined;

  const studies = [...synthReportRecords({ studies: n, seed: '42' })];
  const positive = loadQuestionTemplate('followup-positive');
  const negative = loadQuestionTemplate('followup-negative');
  const results: [string, PrefixFigures, boolean][] = [];
  for (const id of ['full', 'simple']) {
    const prompt = loadPrompt(id);
    const extract = studies.map(({ record }) => extractionMessages(prompt, modelText(record)));
    results.push([`extract, prompt ${id}`, await measurePrefix(extract, tokenizer), id === 'full']);
    // One follow-up question per study, on an entity it does not name (the common negative case).
    const followup = studies.map(({ record, truth }) =>
      followupMessages(prompt.text, modelText(record), truth, questionText(negative, 'pneumothorax')),
    );
    results.push([`follow-up, prompt ${id}`, await measurePrefix(followup, tokenizer), false]);
  }
  // Within one study the follow-up questions also share the report and the JSON.
  const prompt = loadPrompt('full');
  let within = 0;
  const sample = studies.slice(0, Math.min(50, studies.length));
  for (const { record, truth } of sample) {
    const asks = ['pneumothorax', 'edema', 'atelectasis', 'pleural effusion'].map((e, i) =>
      followupMessages(prompt.text, modelText(record), truth, questionText(i % 2 ? positive : negative, e)),
    );
    within += (await measurePrefix(asks, tokenizer)).share;
  }

  const source = results[0]![1].source;
  console.log(
    `Prompt tokens per report and shared prefix (${n} synthetic reports, seed 42; counted by ${describeSource(source)}):`,
  );
  for (const [name, f, target] of results) console.log(line(name, f, target));
  console.log(
    `  follow-up questions within one study: ${((within / sample.length) * 100).toFixed(1)}% shared (system prompt, report and JSON; 4 questions, ${sample.length} studies)`,
  );
}
