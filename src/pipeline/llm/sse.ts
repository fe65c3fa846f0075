/**
 * A lean reader for the chat-completions SSE stream. The openai SDK makes the
 * request (auth, headers, status errors); for the body we skip its three
 * stacked async generators, which cost a few event-loop turns per token and
 * showed up as added latency at high concurrency.
 */
export interface SseChunk {
  model?: string;
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { message?: string; code?: string | number } | string;
}

/** Yields each `data:` payload parsed as JSON, until `[DONE]` or the end of the body. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseChunk> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const bytes of body) {
    buf += decoder.decode(bytes, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
      if (data === '[DONE]') return;
      yield JSON.parse(data) as SseChunk;
    }
  }
}
