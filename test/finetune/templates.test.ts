import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractionMessages, loadPrompt } from '../../src/pipeline/llm/index.js';
import { alpacaRecord, trainedMessages } from '../../src/pipeline/finetune/export/records.js';
import { checkPromptParity } from '../../src/pipeline/finetune/templates/check.js';
import { comparePrompts, compareTokens } from '../../src/pipeline/finetune/templates/parity.js';
import {
  MODEL_JINJA,
  renderChatTemplate,
  toChatMessages,
  trainingPrompt,
  TRAINING_JINJA,
} from '../../src/pipeline/finetune/templates/render.js';
import { ModelFamilySchema } from '../../src/pipeline/finetune/templates/families.js';

const FAMILIES = ModelFamilySchema.options;
const keyinfo = {
  opacity_vs_clear: {},
  entity: { atelectasis: { location: 'left base', level: 'mild', type: null } },
  uncertain_entity: [],
  no_entity: ['pneumothorax'],
};

describe('chat templates', () => {
  it('the --chat-template Jinja renders exactly what LLaMA-Factory trains on, for any system and report text', () => {
    for (const family of FAMILIES) {
      fc.assert(
        fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (system, user) => {
          const m = { system, user };
          expect(renderChatTemplate(TRAINING_JINJA[family], family, toChatMessages(m))).toBe(trainingPrompt(family, m));
        }),
        { numRuns: 50 },
      );
    }
  });

  it('llama2 training prompt has the system block inside the first [INST]', () => {
    expect(trainingPrompt('llama2', { system: 'SYS', user: 'Report.' })).toBe(
      '<s>[INST] <<SYS>>\nSYS\n<</SYS>>\n\nReport. [/INST]',
    );
  });

  it("Llama 3.1's own template adds a Cutting Knowledge Date header that training never saw", () => {
    const msgs = toChatMessages({ system: 'SYS', user: 'Report.' });
    const served = renderChatTemplate(MODEL_JINJA.llama3, 'llama3', msgs);
    const trained = trainingPrompt('llama3', { system: 'SYS', user: 'Report.' });
    expect(served).toContain('Cutting Knowledge Date: December 2023');
    const cmp = comparePrompts(trained, served);
    expect(cmp.same).toBe(false);
    expect(cmp.lines.join('\n')).toContain('Cutting Knowledge Date');
  });

  it("Llama 2's own template strips the report; a trailing newline makes the prompts differ", () => {
    const m = { system: 'SYS', user: 'Report.\n' };
    expect(renderChatTemplate(MODEL_JINJA.llama2, 'llama2', toChatMessages(m))).not.toBe(trainingPrompt('llama2', m));
    expect(renderChatTemplate(MODEL_JINJA.llama2, 'llama2', toChatMessages({ system: 'SYS', user: 'Report.' }))).toBe(
      trainingPrompt('llama2', { system: 'SYS', user: 'Report.' }),
    );
  });

  it('Qwen: the model template and the training format agree', () => {
    const m = { system: 'SYS', user: 'Report.' };
    expect(renderChatTemplate(MODEL_JINJA.qwen, 'qwen', toChatMessages(m))).toBe(trainingPrompt('qwen', m));
  });
});

describe('prompt parity check', () => {
  const prompt = loadPrompt('simple');
  const report = 'FINDINGS: Mild left basilar atelectasis. No pneumothorax.';
  const rec = alpacaRecord({ study_id: 's1', text: report, keyinfo }, prompt.text);

  it('the exported record trains on exactly the messages the extract step sends', () => {
    const trained = trainedMessages(rec);
    expect([
      { role: 'system', content: trained.system },
      { role: 'user', content: trained.user },
    ]).toEqual(extractionMessages(prompt, report));
  });

  it('served with the training template: identical; with Llama 3.1 own template: the difference is shown', () => {
    const inference = extractionMessages(prompt, report);
    const withTraining = checkPromptParity('llama3', rec, inference, {
      serveWith: 'training',
      modelTemplate: null,
      modelTemplateSource: 'built-in',
    });
    expect(withTraining.ok).toBe(true);
    const withModel = checkPromptParity('llama3', rec, inference, {
      serveWith: 'model',
      modelTemplate: null,
      modelTemplateSource: 'built-in',
    });
    expect(withModel.ok).toBe(false);
    expect(withModel.lines.join('\n')).toMatch(/differ at character \d+/);
  });

  it("the original's mapping (report only as the prompt, no system) differs from what inference sends", () => {
    const original = { system: '', instruction: report, input: '', output: '{}' };
    const inference = extractionMessages(prompt, report);
    const res = checkPromptParity('llama2', original, inference, {
      serveWith: 'training',
      modelTemplate: null,
      modelTemplateSource: 'built-in',
    });
    expect(res.ok).toBe(false);
    expect(res.lines.join('\n')).toContain('<<SYS>>');
  });

  it('compareTokens finds the first differing id', () => {
    expect(compareTokens([1, 2, 3], [1, 2, 3])).toEqual({ same: true, firstDiff: null });
    expect(compareTokens([1, 2, 3], [1, 9, 3])).toEqual({ same: false, firstDiff: 1 });
    expect(compareTokens([1, 2], [1, 2, 3])).toEqual({ same: false, firstDiff: 2 });
  });
});
