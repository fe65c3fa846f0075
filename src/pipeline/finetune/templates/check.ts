import type { AlpacaRecord } from '../export/records.js';
import { trainedMessages } from '../export/records.js';
import type { ModelFamily } from './families.js';
import { comparePrompts } from './parity.js';
import { MODEL_JINJA, renderChatTemplate, trainingPrompt, TRAINING_JINJA, type ChatMsg } from './render.js';

/**
 * Training/inference prompt parity for one record, before anything is trained
 * or served: the prompt LLaMA-Factory trains on versus what the server would
 * render from the messages the extract step sends, with the training template
 * (`--chat-template`, the default) and with the model's own template.
 */
export interface ParityResult {
  /** True when the template that will be served renders the training prompt exactly. */
  ok: boolean;
  training: string;
  served: string;
  lines: string[];
}

export function checkPromptParity(
  family: ModelFamily,
  record: AlpacaRecord,
  inference: ChatMsg[],
  opts: { serveWith: 'training' | 'model'; modelTemplate: string | null; modelTemplateSource: string },
): ParityResult {
  const training = trainingPrompt(family, trainedMessages(record));
  const withTraining = renderChatTemplate(TRAINING_JINJA[family], family, inference);
  const withModel = renderChatTemplate(opts.modelTemplate ?? MODEL_JINJA[family], family, inference);
  const a = comparePrompts(training, withTraining, { a: 'training', b: 'served' });
  const b = comparePrompts(training, withModel, { a: 'training', b: 'served' });
  const lines = [
    `prompt parity (${family}), served with the training template (--chat-template)${opts.serveWith === 'training' ? ' [used]' : ''}:`,
    ...a.lines.map((l) => `  ${l}`),
    `prompt parity (${family}), served with the model's own template (${opts.modelTemplateSource})${opts.serveWith === 'model' ? ' [used]' : ''}:`,
    ...b.lines.map((l) => `  ${l}`),
  ];
  const used = opts.serveWith === 'training' ? a : b;
  return { ok: used.same, training, served: opts.serveWith === 'training' ? withTraining : withModel, lines };
}
