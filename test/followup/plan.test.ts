import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addedNames, applyReply, fourKeys, sameRecord } from '../../src/pipeline/followup/apply.js';
import { CycleCounter, cycleHistory, formatCycleTable } from '../../src/pipeline/followup/cycles.js';
import { normalizeForFollowup, planQuestions, stillNeeded } from '../../src/pipeline/followup/plan.js';
import { keyInfo, reference } from './fixtures.js';

const plan = (llm: unknown, pos: string[], neg: string[]) =>
  planQuestions(llm, reference('s1', pos, neg)).map((q) => `${q.polarity}:${q.entity}`);

describe('planQuestions (§8 comparison)', () => {
  it('asks about each reference finding the record lacks, negatives first', () => {
    expect(
      plan(keyInfo(['edema'], ['pneumothorax']), ['edema', 'atelectasis'], ['pneumothorax', 'consolidation']),
    ).toEqual(['negative:consolidation', 'positive:atelectasis']);
  });

  it('applies the §8 name normalization', () => {
    expect(normalizeForFollowup('enlargement of the cardiac silhouette').ask).toBe('cardiomegaly');
    expect(normalizeForFollowup('blunting of the costophrenic angle').ask).toBe('pleural effusion');
    // "pleural effusion" is present when the model wrote just "effusion"; infection when it wrote pneumonia; atelectasis as volume loss.
    expect(
      plan(keyInfo(['effusion', 'pneumonia', 'volume loss']), ['pleural effusion', 'infection', 'atelectasis'], []),
    ).toEqual([]);
    expect(plan(keyInfo([], []), ['enlargement of the cardiac silhouette'], ['pleural effusions'])).toEqual([
      'negative:pleural effusion',
      'positive:cardiomegaly',
    ]);
  });

  it('treats names with the same official name (disease library synonyms) as present', () => {
    const official = (n: string) => (n === 'bulla' ? 'cyst' : n);
    expect(planQuestions(keyInfo(['bulla']), reference('s1', ['cyst'], []), official)).toEqual([]);
    expect(planQuestions(keyInfo(['bulla']), reference('s1', ['cyst'], []), (n) => n)).toHaveLength(1);
  });

  it('never asks about a lung opacity negative', () => {
    expect(plan(keyInfo(), [], ['lung opacity', 'opacity', 'edema'])).toEqual(['negative:edema']);
  });

  it('matches whole words, not substrings ("left" is not in "cleft")', () => {
    expect(plan(keyInfo(['cleft']), ['left'], [])).toEqual(['positive:left']);
    expect(plan(keyInfo(['right pleural effusion']), ['effusion'], [])).toEqual([]);
  });

  it('counts uncertain findings as present for both polarities, and an opacity under opacity_vs_clear', () => {
    const k = keyInfo();
    k.uncertain_entity = { aspiration: { location: null, level: null, type: null } };
    k.opacity_vs_clear = { opacity: { location: 'left', level: null, type: null } };
    expect(plan(k, ['aspiration', 'opacity'], ['aspiration'])).toEqual([]);
  });

  it('reads the lenient shapes a model reply has', () => {
    const raw = {
      entity: ['edema', { description: 'nodule' }],
      uncertain_entity: 'mass, cyst',
      no_entity: 'pneumothorax',
    };
    expect(plan(raw, ['edema', 'nodule', 'cyst'], ['pneumothorax'])).toEqual([]);
  });

  it('drops a question once an earlier answer added the finding', () => {
    const [q] = planQuestions(keyInfo(), reference('s1', ['atelectasis'], []));
    expect(stillNeeded(q!, keyInfo())).toBe(true);
    expect(stillNeeded(q!, keyInfo(['bibasilar atelectasis']))).toBe(false);
    expect(stillNeeded(q!, { entity: {}, uncertain_entity: ['volume loss'] })).toBe(false);
  });

  it('property: no planned question is already present, and adding its name answers it', () => {
    const word = fc.constantFrom(
      'edema',
      'atelectasis',
      'pneumothorax',
      'nodule',
      'pleural effusion',
      'cardiomegaly',
      'infection',
      'fracture',
      'hernia',
      'lung opacity',
    );
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 5 }),
        fc.array(word, { maxLength: 5 }),
        fc.array(word, { maxLength: 5 }),
        fc.array(word, { maxLength: 5 }),
        (lp, ln, rp, rn) => {
          const llm = keyInfo(lp, ln);
          for (const q of planQuestions(llm, reference('s', rp, rn))) {
            expect(stillNeeded(q, llm)).toBe(true);
            const after = q.polarity === 'positive' ? keyInfo([...lp, q.entity], ln) : keyInfo(lp, [...ln, q.entity]);
            expect(stillNeeded(q, after)).toBe(false);
          }
        },
      ),
    );
  });
});

describe('applyReply', () => {
  it('replaces the four keys; a missing key becomes empty', () => {
    expect(applyReply({ entity: { edema: {} }, extra: 1 })).toEqual({
      opacity_vs_clear: {},
      entity: { edema: {} },
      uncertain_entity: [],
      no_entity: [],
    });
    expect(sameRecord(keyInfo(['a']), { ...fourKeys(keyInfo(['a'])) })).toBe(true);
    expect(addedNames(keyInfo(['a']), keyInfo(['a', 'b']), 'entity')).toEqual(['b']);
  });
});

describe('cycle counts and table', () => {
  it('counts asked / answered / changed / added from the log', () => {
    const c = new CycleCounter();
    const base = { cycle: 1, seq: 0, polarity: 'positive' as const, entity: 'x', question: 'q' };
    c.addLog({ ...base, study_id: 'a', before: keyInfo(), after: keyInfo(['x']), status: 'applied' });
    c.addLog({ ...base, study_id: 'a', before: keyInfo(['x']), after: keyInfo(['x'], ['y']), status: 'applied' });
    c.addLog({ ...base, study_id: 'b', before: keyInfo(), after: keyInfo(), status: 'unchanged' });
    c.addLog({ ...base, study_id: 'b', before: keyInfo(), after: keyInfo(), status: 'parse_error' });
    c.addLog({ ...base, study_id: 'b', before: keyInfo(), after: keyInfo(), status: 'dropped' });
    c.addStudy();
    c.addStudy();
    expect(c.result()).toEqual({
      studies: 2,
      asked: 4,
      answered: 3,
      changed: 1,
      added_entity: 1,
      added_no_entity: 1,
      parse_failures: 1,
      truncated: 0,
      filtered: 0,
      failed: 0,
      dropped: 1,
    });
    const table = formatCycleTable(
      cycleHistory({
        cycles: [
          { cycle: 1, startedAt: 't', finishedAt: 'u', counts: c.result() },
          { cycle: 2, startedAt: 't', finishedAt: null, counts: {} },
        ],
      }),
    );
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toMatch(/^\s*1\s+4\s+3\s+1\s+1\s+1\s+1\s+0\s+1\s+done$/m);
    expect(table).toMatch(/follow-up running$/m);
  });

  it('shows an open cycle whose follow-up step was stopped as interrupted, not running', () => {
    const cycles = [{ cycle: 1, startedAt: 't', finishedAt: null, counts: {} }];
    const followup = (status: 'interrupted' | 'failed' | 'running') => ({ followup: { status } }) as never;
    expect(cycleHistory({ cycles, steps: followup('interrupted') })[0]!.status).toBe('follow-up interrupted');
    expect(cycleHistory({ cycles, steps: followup('failed') })[0]!.status).toBe('follow-up failed');
    expect(cycleHistory({ cycles, steps: followup('running') })[0]!.status).toBe('follow-up running');
  });
});
