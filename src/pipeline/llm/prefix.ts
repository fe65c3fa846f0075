import type { ChatMessage } from './types.js';

/**
 * How much of each prompt a server's prefix cache can serve once for all reports:
 * the tokens every prompt starts with. Prompts put everything constant (the
 * instructions and examples in the system turn) before the report, so that share
 * is the whole prompt file. Counted with the served model's tokenizer through
 * vLLM's `/tokenize` when there is one; otherwise the chars/4 estimate, labelled.
 */

/** Token ids of one chat as the served model renders it (its chat template); null: no tokenizer there. */
export type ChatTokenizer = (messages: ChatMessage[]) => Promise<ArrayLike<number> | null>;

export type TokenSource = { kind: 'tokenize'; label: string } | { kind: 'estimate' };

export interface PrefixFigures {
  source: TokenSource;
  prompts: number;
  /** Mean prompt tokens per request. */
  meanTokens: number;
  /** Tokens every prompt starts with. */
  sharedTokens: number;
  /** sharedTokens / meanTokens. */
  share: number;
}

export const ESTIMATE_LABEL = 'chars/4 estimate';

export function describeSource(s: TokenSource): string {
  return s.kind === 'tokenize' ? s.label : ESTIMATE_LABEL;
}

/** Length of the longest prefix `b` shares with `a`. */
function sharedLength<T>(a: ArrayLike<T>, b: ArrayLike<T>, upTo: number): number {
  const n = Math.min(upTo, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The chat laid out in order (role marker, content), as a chat template does, for the estimate. */
function chatText(messages: ChatMessage[]): string {
  return messages.map((m) => `<|${m.role}|>\n${m.content}\n`).join('');
}

function figures(seqs: ArrayLike<unknown>[], source: TokenSource, perUnit: number): PrefixFigures {
  let shared = seqs[0]?.length ?? 0;
  let total = 0;
  for (const s of seqs) {
    shared = sharedLength(seqs[0]!, s, shared);
    total += s.length;
  }
  const mean = seqs.length ? total / seqs.length / perUnit : 0;
  const sharedTokens = shared / perUnit;
  return { source, prompts: seqs.length, meanTokens: mean, sharedTokens, share: mean ? sharedTokens / mean : 0 };
}

/**
 * Figures over a set of prompts (one per report). With a tokenizer, each prompt is
 * tokenized once; a tokenizer that answers null (no /tokenize) gives the estimate.
 */
export async function measurePrefix(
  prompts: ChatMessage[][],
  tokenizer?: { tokenize: ChatTokenizer; label: string },
): Promise<PrefixFigures> {
  if (tokenizer && prompts.length) {
    const seqs: ArrayLike<number>[] = [];
    for (const p of prompts) {
      const ids = await tokenizer.tokenize(p);
      if (ids === null) break;
      seqs.push(ids);
    }
    if (seqs.length === prompts.length) return figures(seqs, { kind: 'tokenize', label: tokenizer.label }, 1);
  }
  return figures(prompts.map(chatText), { kind: 'estimate' }, 4);
}
