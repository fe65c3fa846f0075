import type { PostPhraseLibrary } from './postLocations.js';

/** What generators need from the disease library. */
export interface Library {
  askable: readonly string[];
  /**
   * The original library's rows by official name, catch-alls included (release style draws a
   * row and asks nothing when it is a catch-all). Empty when unknown.
   */
  originalRows?: readonly string[];
  /** Post-location phrases, for the Diff-VQA layout's "no" question about a finding placed by one. */
  postPhrases?: PostPhraseLibrary;
}
