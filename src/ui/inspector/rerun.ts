/**
 * Re-running one report against a chosen endpoint/prompt needs the LLM layer's
 * single-request API wired to the extract step's prompt; until that exists the
 * action is shown disabled with this reason rather than faked.
 */
export function rerunAvailability(backend: 'rules' | 'llm'): { disabled: string } {
  if (backend === 'rules') return { disabled: 'this run uses the rules backend (no endpoint configured)' };
  return { disabled: 'single-report re-run is not wired to the LLM layer in this build' };
}
