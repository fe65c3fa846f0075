/** Text typed into a param field: JSON when it parses (numbers, booleans, lists), else the plain string. */
export function parseParamInput(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return text;
  }
}

/** How a param value is shown in the editor (and pre-filled when editing). */
export function formatParamValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
