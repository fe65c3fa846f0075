import { z } from 'zod';

/**
 * Model families the fine-tune path supports. The family decides the
 * LLaMA-Factory `template`, the default base model and the chat template the
 * base model ships with (what vLLM applies unless told otherwise).
 */
export const ModelFamilySchema = z.enum(['llama2', 'llama3', 'qwen']);
export type ModelFamily = z.infer<typeof ModelFamilySchema>;

export interface FamilyInfo {
  /** LLaMA-Factory `template` name (data/template.py). */
  lfTemplate: string;
  /** A typical base model; Llama 2 70B chat is the original's. */
  defaultBase: string;
  bosToken: string;
  eosToken: string;
  /** One line for docs and logs. */
  note: string;
}

export const FAMILIES: Record<ModelFamily, FamilyInfo> = {
  llama2: {
    lfTemplate: 'llama2',
    defaultBase: 'meta-llama/Llama-2-70b-chat-hf',
    bosToken: '<s>',
    eosToken: '</s>',
    note: 'the original setup (Llama-2-70b-chat, template llama2)',
  },
  llama3: {
    lfTemplate: 'llama3',
    defaultBase: 'meta-llama/Llama-3.1-8B-Instruct',
    bosToken: '<|begin_of_text|>',
    eosToken: '<|eot_id|>',
    note: 'Llama 3 to 3.3 (LLaMA-Factory template llama3)',
  },
  qwen: {
    lfTemplate: 'qwen',
    defaultBase: 'Qwen/Qwen2.5-7B-Instruct',
    bosToken: '',
    eosToken: '<|im_end|>',
    note: 'Qwen 1.5 to 2.5 (LLaMA-Factory template qwen)',
  },
};
