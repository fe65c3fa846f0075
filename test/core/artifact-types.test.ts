import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RAW } from '../../src/pipeline/extract/artifacts.js';
import { QUESTIONS } from '../../src/pipeline/questions/artifacts.js';
import { defineArtifact } from '../../src/pipeline/store/artifact.js';
import { Run } from '../../src/pipeline/store/run.js';
import { makeTempDir } from '../helpers/tmp.js';

/**
 * The catalogue's types are checked by `tsc --noEmit -p .`: each
 * `@ts-expect-error` below fails the typecheck if the line it marks compiles.
 */
describe('artifact catalogue', () => {
  it('opens a multi-row artifact without keyed access, and a keyed one with it', async () => {
    const tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      const questions = run.open(QUESTIONS);
      // @ts-expect-error questions has many rows per study: there is no "current row per key"
      expect(typeof questions.readMap).toBe('function'); // the method exists at runtime; the type hides it
      // @ts-expect-error same for keys()
      void questions.keys;
      const raw = run.open(RAW);
      const byStudy = await raw.readMap();
      // Rows are typed from the definition's schema, without restating the type.
      const status: string | undefined = byStudy.get('s1')?.status;
      expect(status).toBeUndefined();
      // @ts-expect-error a row of raw has no `question` field
      void byStudy.get('s1')?.question;
    } finally {
      await run.close();
      tmp.cleanup();
    }
  });

  it('validates rows with the definition schema, or with a reader view when given', async () => {
    const tmp = makeTempDir();
    const run = await Run.open(tmp.dir, { create: true });
    try {
      const NUMBERS = defineArtifact('numbers', z.object({ study_id: z.string(), n: z.number() }), { madeBy: 'count' });
      const art = run.open(NUMBERS);
      art.append({ study_id: 'a', n: 1 });
      // @ts-expect-error the row type comes from the schema: n must be a number
      art.append({ study_id: 'b', n: 'two' });
      art.close();
      const issues: string[] = [];
      expect([...(await run.open(NUMBERS).readMap({ onIssue: (i) => issues.push(i.reason) })).keys()]).toEqual(['a']);
      expect(issues).toEqual(['schema']);
      const loose = await run.open(NUMBERS, z.looseObject({ study_id: z.string() })).readMap();
      expect([...loose.keys()]).toEqual(['a', 'b']);
    } finally {
      await run.close();
      tmp.cleanup();
    }
  });
});
