import type { z } from 'zod';
import { UserError } from './errors.js';

/**
 * Each value of a JSONL text, in line order, mapped by `each` (with its 1-based line); blank lines
 * are skipped and the first line that is not JSON stops it with a UserError naming the line.
 */
export function mapJsonLines<T>(
  file: string,
  text: string,
  each: (value: unknown, line: number) => T,
  hint?: string,
): T[] {
  const out: T[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UserError(`${file} line ${i + 1}: not valid JSON: ${(err as Error).message}`, hint);
    }
    out.push(each(value, i + 1));
  });
  return out;
}

/** A schema failure as one phrase: "field entity.edema.location: <zod's message>". */
export function fieldProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `field ${issue.path.length ? issue.path.join('.') : '(the record)'}: ${issue.message}`;
}
