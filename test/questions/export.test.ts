import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { conversationLines, copyAs, imagePath, writeCsv, writeJsonl } from '../../src/pipeline/questions/export.js';
import { modelAndPromptIds } from '../../src/pipeline/questions/manifest.js';
import type { QaPair } from '../../src/pipeline/questions/schema.js';
import { computeStats, formatStatsTable } from '../../src/pipeline/questions/stats.js';
import { meta } from './fixtures.js';

const pair = (over: Partial<QaPair>): QaPair => ({
  study_id: '50414267',
  qa_id: 'id',
  subject_id: '10000032',
  dicom_id: 'abc',
  ref_id: null,
  question_type: 'presence',
  question: 'is there edema?',
  answer: 'yes',
  answer_type: 'closed',
  split: 'train',
  provenance: { entities: ['edema'], source_cycle: 0, template: 't' },
  ...over,
});

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cxrvqa-export-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('export', () => {
  it('MIMIC-CXR-JPG image path', () => {
    expect(imagePath('10000032', '50414267', 'abc-1')).toBe('files/p10/p10000032/s50414267/abc-1.jpg');
    expect(imagePath('p10000032', 's50414267', 'abc')).toBe('files/p10/p10000032/s50414267/abc.jpg');
    expect(imagePath('10000032', '50414267', null)).toBeNull();
  });

  it('CSV: the release columns first, quoting commas and quotes; round-trips', () => {
    const file = path.join(tmp(), 'qa.csv');
    const pairs = [
      pair({
        question: 'what abnormalities are seen in this image?',
        answer: 'edema, "small" effusion',
        answer_type: 'open',
        question_type: 'abnormality',
      }),
      pair({ ref_id: '4', question_type: 'difference' }),
    ];
    const w = writeCsv(file, pairs);
    expect(w.rows).toBe(2);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe(
      'study_id,subject_id,question_type,question,answer,ref_id,dicom_id,split,qa_id,answer_type',
    );
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows[0]!.answer).toBe('edema, "small" effusion');
    expect(rows[0]!.ref_id).toBe('');
    expect(rows[1]!.ref_id).toBe('4');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['qa.csv']); // no temp file left
  });

  it('JSONL: one record per line with a content hash; a copy has the same hash and rows', async () => {
    const d = tmp();
    const file = path.join(d, 'qa.jsonl');
    const w = writeJsonl(file, [pair({}), pair({ qa_id: 'x' })]);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).qa_id)).toEqual(['id', 'x']);
    expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
    const c = await copyAs(file, path.join(d, 'copy.jsonl'));
    expect(c).toEqual({ ...w, file: 'copy.jsonl' });
  });

  it('conversations: one record per study, the image tag in the first turn; difference pairs carry both images', () => {
    const index = new Map([['40000000', meta('40000000', '10000032', { dicom_id: 'old' })]]);
    const pairs = [
      pair({ qa_id: 'a' }),
      pair({ qa_id: 'b', question: 'what level is the edema?', answer: 'mild', answer_type: 'open' }),
      pair({
        qa_id: 'c',
        question_type: 'difference',
        ref_id: '40000000',
        question: 'what has changed compared to the reference image?',
        answer: 'nothing has changed.',
      }),
      pair({ qa_id: 'd', study_id: '2', dicom_id: null }),
    ];
    const { lines, withoutImage } = conversationLines(pairs, index);
    const records = lines.map((l) => JSON.parse(l));
    expect(withoutImage).toBe(1);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      id: '50414267',
      images: ['files/p10/p10000032/s50414267/abc.jpg'],
      conversations: [
        { from: 'human', value: '<image>\nis there edema?' },
        { from: 'gpt', value: 'yes' },
        { from: 'human', value: 'what level is the edema?' },
        { from: 'gpt', value: 'mild' },
      ],
      qa_ids: ['a', 'b'],
    });
    expect(records[1]!.images).toEqual([
      'files/p10/p10000032/s50414267/abc.jpg',
      'files/p10/p10000032/s40000000/old.jpg',
    ]);
    expect(records[1]!.conversations[0]!.value).toBe(
      '<image>\n<image>\nwhat has changed compared to the reference image?',
    );
  });

  it('conversations: pairs of one study that are not adjacent still make one record', () => {
    const pairs = [
      pair({ qa_id: 'a' }),
      pair({ qa_id: 'b', study_id: '2', subject_id: '10000033' }),
      pair({ qa_id: 'c', question: 'is there effusion?' }),
    ];
    const recs = conversationLines(pairs, new Map()).lines.map((l) => JSON.parse(l));
    expect(recs.map((r) => [r.id, r.qa_ids])).toEqual([
      ['50414267', ['a', 'c']],
      ['2', ['b']],
    ]);
  });

  it('manifest takes model and prompt ids, never endpoints or keys', () => {
    expect(
      modelAndPromptIds({
        model: 'm1',
        baseURL: 'http://127.0.0.1',
        apiKey: 'k',
        extract: { model: 'm2', promptId: 'p3', url: 'x' },
      }),
    ).toEqual({ model: 'm1', 'extract.model': 'm2', 'extract.promptId': 'p3' });
  });
});

describe('stats', () => {
  const pairs = [
    pair({ subject_id: 's1', study_id: 'a' }),
    pair({ subject_id: 's1', study_id: 'a', question: 'q2', answer: 'no' }),
    pair({ subject_id: 's2', study_id: 'b', answer: 'no', split: 'test' }),
    pair({ subject_id: 's2', study_id: 'b', question_type: 'level', answer: 'small', answer_type: 'open' }),
  ];
  const s = computeStats(pairs);

  it('per type count, share, open/closed, yes/no shares, subjects, vocabulary', () => {
    expect(s.total).toBe(4);
    const presence = s.by_type.find((t) => t.type === 'presence')!;
    expect(presence).toMatchObject({
      count: 3,
      share: 0.75,
      open: 0,
      closed: 3,
      yes: 1,
      no: 2,
      subjects: 2,
      studies: 2,
      answer_vocab: 2,
      release_count: 211_560,
    });
    expect(presence.yes_share).toBeCloseTo(1 / 3);
    const level = s.by_type.find((t) => t.type === 'level')!;
    expect(level).toMatchObject({ count: 1, open: 1, closed: 0, yes_share: 0 });
    expect(s.by_split).toEqual({ test: 1, train: 3 });
    expect(s.answer_vocab).toBe(3);
    expect(s.top_answers[0]).toEqual(['no', 2]);
    // Release types with no pairs still appear for the side-by-side; difference only when present.
    expect(s.by_type.map((t) => t.type)).toEqual(['abnormality', 'presence', 'view', 'location', 'level', 'type']);
  });

  it('terminal table lists each type beside the release', () => {
    const t = formatStatsTable(s);
    expect(t).toMatch(/presence\s+3\s+75\.0%/);
    expect(t).toContain('211,560');
    expect(t).toContain('780,014');
  });
});
