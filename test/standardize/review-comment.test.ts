import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commentVerdict } from '../../src/pipeline/standardize/review-comment.js';
import { readReviewCsv, readReviewedTerms, unclearCommentsWarning } from '../../src/pipeline/standardize/dict-io.js';
import { makeTempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => {
  tmp?.cleanup();
  tmp = null;
});

describe('reviewer comments (docs/standardize.md)', () => {
  it('blank and approvals keep a term, whatever the case and spacing', () => {
    for (const c of ['', '   ', 'OK', 'ok', ' Ok ', 'okay', 'OK.', 'OK - keep', 'ok, fine', 'Yes', 'keep'])
      expect(commentVerdict(c), c).toBe('keep');
  });

  it('rejections reject a term: "Not OK" is a rejection, not an OK', () => {
    for (const c of ['not ok', 'Not OK', 'NOT OK', 'no', 'No - plural of effusion', 'remove', 'wrong', 'x'])
      expect(commentVerdict(c), c).toBe('reject');
  });

  it('anything else is unclear: rejected, and reported', () => {
    for (const c of ['ok?', 'OK but remove the plural', 'should be "lower lobe"', 'maybe', 'okish'])
      expect(commentVerdict(c), c).toBe('unclear');
  });

  it('a sheet lists its unclear comments and rejects their terms', () => {
    const csv =
      'Term,Comment\neffusion,OK - keep\nedema,Not OK\nnodule,ok?\nmass,\ncyst,NOT OK\nbulla,check with Dr. A\n';
    const r = readReviewCsv(csv, '/x/entity_dict_checked.csv');
    expect([...r.rejected].sort()).toEqual(['bulla', 'cyst', 'edema', 'nodule']);
    expect(r.unclear.map((u) => [u.term, u.comment])).toEqual([
      ['nodule', 'ok?'],
      ['bulla', 'check with Dr. A'],
    ]);
    const warning = unclearCommentsWarning(r.unclear);
    expect(warning).toContain('entity_dict_checked.csv: "nodule" ("ok?")');
    expect(warning).toContain('"bulla" ("check with Dr. A")');
    expect(warning).toContain('2 comment(s)');
  });

  it('no warning when every comment is readable; a long list is cut with a count', () => {
    expect(unclearCommentsWarning([])).toBeNull();
    const many = Array.from({ length: 25 }, (_, i) => ({ file: 'f.csv', term: `t${i}`, comment: '?' }));
    expect(unclearCommentsWarning(many)).toMatch(/and 5 more/);
  });

  it('the folder reader gathers unclear comments over all sheets', () => {
    tmp = makeTempDir();
    fs.writeFileSync(path.join(tmp.dir, 'entity_dict_checked.csv'), 'Term,Comment\nedema,ok?\n');
    fs.writeFileSync(path.join(tmp.dir, 'location_review.csv'), 'Term,Comment\nleft,OK\nlft,typo\n');
    const r = readReviewedTerms(tmp.dir);
    expect(r.unclear.map((u) => u.term)).toEqual(['edema', 'lft']);
    expect([...r.rejected.location]).toEqual(['lft']);
  });
});
