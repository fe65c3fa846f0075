import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { truncatedAnswers, truncatedRows } from './fault-accounting.js';
import type { ServedFault } from './loopback-faults.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const FULL = '{"entity": {}, "no_entity": []}';
const CUT = '{"entity": {}';
let seq = 0;
const served = (over: Partial<ServedFault> & Pick<ServedFault, 'key'>): ServedFault => ({
  seq: ++seq,
  study: 's',
  attempt: 1,
  ask: 'a',
  fault: 'none',
  textSha: sha(FULL),
  finishReason: 'stop',
  ...over,
});

describe('counting cut-off replies that became data', () => {
  it('counts an accepted row whose only reply was cut, not a failed one or a clean one', () => {
    const log = [
      served({ key: 'k1', fault: 'truncate', variant: 'inner-brace', textSha: sha(CUT), finishReason: 'length' }),
      served({ key: 'k2' }),
      served({ key: 'k3', fault: 'truncate', variant: 'random-cut', textSha: sha(CUT), finishReason: 'length' }),
    ];
    const rows = [
      { study_id: 'a', status: 'repaired', request_key: 'k1' },
      { study_id: 'b', status: 'ok', request_key: 'k2' },
      { study_id: 'c', status: 'parse_error', request_key: 'k3' },
    ];
    expect(truncatedRows(rows, log, [])).toEqual({
      count: 1,
      by: { 'repaired ← truncate/inner-brace': 1 },
      unmatched: 0,
    });
  });

  it('the last row of a study decides (a resume that re-asked)', () => {
    const log = [
      served({ key: 'k1', fault: 'truncate', textSha: sha(CUT), finishReason: 'length' }),
      served({ key: 'k2' }),
    ];
    const rows = [
      { study_id: 'a', status: 'ok', request_key: 'k1' },
      { study_id: 'a', status: 'ok', request_key: 'k2' },
    ];
    expect(truncatedRows(rows, log, []).count).toBe(0);
  });

  it('picks the reply whose text the cache holds when a key was served twice', () => {
    // A cut reply first, a complete one after: the row holds the complete one.
    const log = [
      served({ key: 'k', fault: 'truncate', textSha: sha(CUT), finishReason: 'length' }),
      served({ key: 'k' }),
    ];
    const rows = [{ study_id: 'a', status: 'ok', request_key: 'k' }];
    expect(truncatedRows(rows, log, [{ key: 'k', text: FULL, finishReason: 'stop' }]).count).toBe(0);
    expect(truncatedRows(rows, log, [{ key: 'k', text: CUT, finishReason: 'length' }]).count).toBe(1);
  });

  it('tells a complete-looking reply with finish_reason length from the same text finished normally', () => {
    const log = [
      served({ key: 'k' }),
      served({ key: 'k', fault: 'truncate', variant: 'complete-length', finishReason: 'length' }),
    ];
    const rows = [{ study_id: 'a', status: 'ok', request_key: 'k' }];
    expect(truncatedRows(rows, log, [{ key: 'k', text: FULL, finishReason: 'stop' }]).count).toBe(0);
    expect(truncatedRows(rows, log, [{ key: 'k', text: FULL, finishReason: 'length' }]).by).toEqual({
      'ok ← truncate/complete-length': 1,
    });
  });

  it('reports accepted rows it cannot match', () => {
    expect(truncatedRows([{ study_id: 'a', status: 'ok', request_key: 'nowhere' }], [], []).unmatched).toBe(1);
  });

  it('matches follow-up answers by study and question', () => {
    const q = 'Is there edema?';
    const log = [
      served({
        key: 'x',
        study: 's1',
        ask: sha(q).slice(0, 16),
        fault: 'truncate',
        variant: 'random-cut',
        finishReason: 'length',
      }),
      served({ key: 'y', study: 's2', ask: sha(q).slice(0, 16) }),
    ];
    const answers = [
      { study_id: 's1', question: q, status: 'applied' },
      { study_id: 's2', question: q, status: 'unchanged' },
      { study_id: 's3', question: q, status: 'failed' },
    ];
    expect(truncatedAnswers(answers, log)).toEqual({
      count: 1,
      by: { 'applied ← truncate/random-cut': 1 },
      unmatched: 0,
    });
  });
});
