/** What generators need from the disease library. */
export interface Library {
  askable: readonly string[];
  /**
   * The original library's rows by official name, catch-alls included (release style draws a
   * row and asks nothing when it is a catch-all). Empty when unknown.
   */
  originalRows?: readonly string[];
}
