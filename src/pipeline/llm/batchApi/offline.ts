/**
 * Offline answers (`cxrvqa shard` / `cxrvqa import`): the step runs on the batch
 * engine's answer store, but the requests it has no answer for are handed to the
 * caller (written as shard files, or reported as missing) instead of a Batch API.
 */
export interface OfflineHandOff {
  /** This round's unanswered requests are in `file` (batch input lines); returns what to tell the user. */
  handOff(file: string, stage: string, requests: number): Promise<string>;
}

/**
 * Ends a step whose remaining requests went offline. It is a stop, not a failure: the
 * runner records the step as interrupted, and it resumes once the answers are imported.
 */
export class WaitingForAnswers extends Error {
  override name = 'AbortError';
}
