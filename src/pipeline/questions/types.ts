/** What generators need from the disease library. */
export interface Library {
  askable: readonly string[];
}
