import { Template } from '@huggingface/jinja';
import { FAMILIES, type ModelFamily } from './families.js';

/**
 * Prompt rendering for the parity check (issue 5, point 5): what LLaMA-Factory
 * trains on versus what the serving side sends to the model.
 *
 * `trainingPrompt` mirrors LLaMA-Factory's formatters (data/template.py) for a
 * single-turn record: the text before the response tokens. `TRAINING_JINJA`
 * is the same format as a Jinja chat template, handed to `vllm serve
 * --chat-template` so inference renders exactly what training saw; a test
 * checks the two agree. `MODEL_JINJA` holds the templates the base models ship
 * with (simplified to the no-tools case), used when the model folder is not
 * at hand.
 */

export interface PromptMessages {
  system: string | null;
  user: string;
}

export interface ChatMsg {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** LLaMA-Factory single-turn prompt: prefix + system + user formatter (which already opens the assistant turn). */
export function trainingPrompt(family: ModelFamily, m: PromptMessages): string {
  const sys = m.system ?? '';
  switch (family) {
    case 'llama2': {
      // llama2 puts the system block inside the first user turn, after the BOS.
      const system = sys ? `<<SYS>>\n${sys}\n<</SYS>>\n\n` : '';
      return `<s>[INST] ${system}${m.user} [/INST]`;
    }
    case 'llama3': {
      const system = sys ? `<|start_header_id|>system<|end_header_id|>\n\n${sys}<|eot_id|>` : '';
      return `<|begin_of_text|>${system}<|start_header_id|>user<|end_header_id|>\n\n${m.user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
    }
    case 'qwen': {
      // LLaMA-Factory's qwen template falls back to its default system text when the record has none.
      const system = sys || 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';
      return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${m.user}<|im_end|>\n<|im_start|>assistant\n`;
    }
  }
}

/** The LLaMA-Factory formats as Jinja chat templates (single and multi-turn), for `vllm serve --chat-template`. */
export const TRAINING_JINJA: Record<ModelFamily, string> = {
  llama2:
    '{#- cxrvqa: LLaMA-Factory llama2 format -#}' +
    "{%- if messages[0]['role'] == 'system' -%}{%- set system = messages[0]['content'] -%}{%- set loop_messages = messages[1:] -%}" +
    "{%- else -%}{%- set system = '' -%}{%- set loop_messages = messages -%}{%- endif -%}" +
    '{%- for message in loop_messages -%}' +
    "{%- if message['role'] == 'user' -%}" +
    "{%- if loop.first and system -%}{{ bos_token + '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + message['content'] + ' [/INST]' }}" +
    "{%- else -%}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{%- endif -%}" +
    "{%- elif message['role'] == 'assistant' -%}{{ message['content'] + eos_token }}{%- endif -%}" +
    '{%- endfor -%}',
  llama3:
    '{#- cxrvqa: LLaMA-Factory llama3 format -#}' +
    '{{- bos_token -}}' +
    "{%- if messages[0]['role'] == 'system' -%}{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + messages[0]['content'] + '<|eot_id|>' -}}" +
    '{%- set loop_messages = messages[1:] -%}{%- else -%}{%- set loop_messages = messages -%}{%- endif -%}' +
    '{%- for message in loop_messages -%}' +
    "{%- if message['role'] == 'user' -%}{{- '<|start_header_id|>user<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}" +
    "{%- elif message['role'] == 'assistant' -%}{{- message['content'] + '<|eot_id|>' -}}{%- endif -%}" +
    '{%- endfor -%}',
  qwen:
    '{#- cxrvqa: LLaMA-Factory qwen format -#}' +
    "{%- if messages[0]['role'] == 'system' -%}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' -}}" +
    '{%- set loop_messages = messages[1:] -%}' +
    "{%- else -%}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' -}}{%- set loop_messages = messages -%}{%- endif -%}" +
    '{%- for message in loop_messages -%}' +
    "{%- if message['role'] == 'user' -%}{{- '<|im_start|>user\\n' + message['content'] + '<|im_end|>\\n<|im_start|>assistant\\n' -}}" +
    "{%- elif message['role'] == 'assistant' -%}{{- message['content'] + '<|im_end|>\\n' -}}{%- endif -%}" +
    '{%- endfor -%}',
};

/**
 * The chat templates the base models ship with (Hugging Face tokenizer_config.json),
 * reduced to the no-tools case. Llama 3.1's adds a "Cutting Knowledge Date" system
 * header that LLaMA-Factory's llama3 format does not train on; Llama 2's strips the content.
 */
export const MODEL_JINJA: Record<ModelFamily, string> = {
  llama2:
    "{%- if messages[0]['role'] == 'system' -%}{%- set loop_messages = messages[1:] -%}{%- set system_message = messages[0]['content'] -%}" +
    '{%- else -%}{%- set loop_messages = messages -%}{%- set system_message = false -%}{%- endif -%}' +
    '{%- for message in loop_messages -%}' +
    "{%- if loop.index0 == 0 and system_message != false -%}{%- set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] -%}" +
    "{%- else -%}{%- set content = message['content'] -%}{%- endif -%}" +
    "{%- if message['role'] == 'user' -%}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
    "{%- elif message['role'] == 'assistant' -%}{{ ' ' + content.strip() + ' ' + eos_token }}{%- endif -%}" +
    '{%- endfor -%}',
  llama3:
    '{{- bos_token -}}' +
    "{%- if not date_string is defined -%}{%- set date_string = '26 Jul 2024' -%}{%- endif -%}" +
    "{%- if messages[0]['role'] == 'system' -%}{%- set system_message = messages[0]['content'] | trim -%}{%- set messages = messages[1:] -%}" +
    "{%- else -%}{%- set system_message = '' -%}{%- endif -%}" +
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' -}}" +
    "{{- 'Cutting Knowledge Date: December 2023\\n' -}}" +
    "{{- 'Today Date: ' + date_string + '\\n\\n' -}}" +
    "{{- system_message + '<|eot_id|>' -}}" +
    "{%- for message in messages -%}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' -}}{%- endfor -%}" +
    "{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}",
  qwen:
    "{%- if messages[0]['role'] == 'system' -%}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' -}}" +
    "{%- else -%}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' -}}{%- endif -%}" +
    "{%- for message in messages -%}{%- if message['role'] != 'system' -%}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}{%- endif -%}{%- endfor -%}" +
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}",
};

/** Render a chat template the way vLLM / transformers do for a chat request (generation prompt on). */
export function renderChatTemplate(
  source: string,
  family: ModelFamily,
  messages: ChatMsg[],
  extra: Record<string, unknown> = {},
): string {
  const info = FAMILIES[family];
  return new Template(source).render({
    messages,
    bos_token: info.bosToken,
    eos_token: info.eosToken,
    add_generation_prompt: true,
    ...extra,
  });
}

export function toChatMessages(m: PromptMessages): ChatMsg[] {
  return m.system
    ? [
        { role: 'system', content: m.system },
        { role: 'user', content: m.user },
      ]
    : [{ role: 'user', content: m.user }];
}
