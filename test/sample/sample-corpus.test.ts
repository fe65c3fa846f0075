import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StrictKeyInfoSchema, type StrictKeyInfo } from '../../src/pipeline/schemas/keyinfo.js';
import {
  METADATA_COLUMNS,
  listReportFiles,
  readGoldLines,
  readMetadata,
  readMetadataHeader,
  readReports,
  reportPath,
} from './load-corpus.js';

const rows = readMetadata();
const reports = readReports(rows);
const GoldLine = StrictKeyInfoSchema.extend({ study_id: z.string() }).strict();
type Gold = StrictKeyInfo & { study_id: string };

function parseGold(): Gold[] {
  return readGoldLines().map((line, i) => {
    const r = GoldLine.safeParse(JSON.parse(line));
    if (!r.success) throw new Error(`gold.jsonl line ${i + 1}: ${r.error.message}`);
    return r.data;
  });
}
const gold = parseGold();
const goldById = new Map(gold.map((g) => [g.study_id, g]));

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ');
const allNames = (g: Gold) => [...Object.keys(g.entity), ...Object.keys(g.uncertain_entity), ...g.no_entity];
const isEmpty = (g: Gold) => allNames(g).length === 0 && Object.keys(g.opacity_vs_clear).length === 0;
const hasFindings = (t: string) => t.includes('FINDINGS:');
const count = (pred: (t: string) => boolean) => [...reports.values()].filter(pred).length;

describe('sample corpus layout', () => {
  it('has the MIMIC metadata columns in order', () => {
    expect(readMetadataHeader()).toEqual(METADATA_COLUMNS);
  });

  it('has a report file for every metadata row and a row for every file', () => {
    const expected = rows.map(reportPath).sort();
    expect(listReportFiles()).toEqual(expected);
  });

  it('uses unique, well-formed ids', () => {
    const studies = rows.map((r) => r.study_id);
    expect(new Set(studies).size).toBe(studies.length);
    const dicoms = rows.map((r) => r.dicom_id);
    expect(new Set(dicoms).size).toBe(dicoms.length);
    for (const r of rows) {
      expect(r.subject_id, r.study_id).toMatch(/^1\d{7}$/);
      expect(r.study_id).toMatch(/^5\d{7}$/);
      expect(r.dicom_id).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/);
    }
  });

  it('uses MIMIC view names, valid dates and splits', () => {
    for (const r of rows) {
      expect(['postero-anterior', 'antero-posterior', 'lateral']).toContain(r.view);
      expect(['train', 'validate', 'test']).toContain(r.split);
      const d = new Date(
        `${r.study_date.slice(0, 4)}-${r.study_date.slice(4, 6)}-${r.study_date.slice(6, 8)}T00:00:00Z`,
      );
      expect(r.study_date).toMatch(/^\d{8}$/);
      expect(Number.isNaN(d.getTime()), r.study_date).toBe(false);
    }
    expect(new Set(rows.map((r) => r.split))).toEqual(new Set(['train', 'validate', 'test']));
  });

  it('ranks study_order by study_date within each subject (ties share the lower rank)', () => {
    for (const r of rows) {
      const earlier = rows.filter((o) => o.subject_id === r.subject_id && o.study_date < r.study_date).length;
      expect(Number(r.study_order), `${r.subject_id}/${r.study_id}`).toBe(earlier + 1);
    }
  });

  it('splits by subject: every subject sits in exactly one split', () => {
    const splits = new Map<string, Set<string>>();
    for (const r of rows) splits.set(r.subject_id, (splits.get(r.subject_id) ?? new Set()).add(r.split));
    for (const [s, set] of splits) expect([...set], s).toHaveLength(1);
  });

  it('has at least 160 reports from 45-55 subjects with 1-6 studies each', () => {
    expect(rows.length).toBeGreaterThanOrEqual(160);
    const per = new Map<string, number>();
    for (const r of rows) per.set(r.subject_id, (per.get(r.subject_id) ?? 0) + 1);
    expect(per.size).toBeGreaterThanOrEqual(45);
    expect(per.size).toBeLessThanOrEqual(55);
    for (const [s, n] of per) expect(n, s).toBeLessThanOrEqual(6);
    expect([...per.values()].filter((n) => n >= 4).length).toBeGreaterThanOrEqual(10);
  });

  it('holds only readable, non-empty text reports', () => {
    for (const [id, t] of reports) {
      expect(t.trim().length, id).toBeGreaterThan(20);
      expect(t, id).not.toContain('\u0000');
      expect(t, id).not.toContain('\uFFFD');
    }
  });
});

/** How each canonical name can be written, for names whose wording differs from the name. */
const SURFACE: Record<string, RegExp> = {
  'pleural effusion': /effusion/,
  atelectasis: /atelecta|collapse|volume loss/,
  cardiomegaly: /cardiomegaly|enlarged|enlargement/,
  'lung opacity': /opaci/,
  pneumonia: /pneumonia|infecti/,
  hernia: /hernia/,
  granuloma: /granulom/,
  calcification: /calcif/,
  nodule: /nodul/,
  fracture: /fracture/,
  hyperinflation: /hyperinflat/,
  'tortuosity of the thoracic aorta': /tortu/,
  'acute respiratory distress syndrome': /\bards\b/,
  'heart failure': /heart failure|\bchf\b/,
  'low lung volume': /low lung volumes|lung volumes are low/,
  metastasis: /metasta/,
  lymphadenopathy: /adenopathy/,
  'pleural plaque': /plaques?/,
  tuberculosis: /tuberculosis/,
  malignancy: /malignan/,
  'blunting of the costophrenic angle': /blunting of the [a-z ]*costophrenic angle/,
  'subcutaneous emphysema': /subcutaneous emphysema/,
};
/** Surface forms that must have been mapped to a canonical name. */
const NOT_CANONICAL = [
  'effusion',
  'pleural effusions',
  'opacity',
  'opacities',
  'collapse',
  'volume loss',
  'hiatal hernia',
  'chf',
  'congestive heart failure',
  'enlarged cardiac silhouette',
  'pulmonary edema',
  'pulmonary vascular congestion',
  'nodules',
  'fractures',
  'granulomas',
  'calcifications',
  'infection',
];

describe('gold KeyInfo', () => {
  it('has at least 70 lines, one per study, each for a study in the corpus', () => {
    expect(gold.length).toBeGreaterThanOrEqual(70);
    expect(goldById.size).toBe(gold.length);
    for (const g of gold) expect(reports.has(g.study_id), g.study_id).toBe(true);
  });

  it('rejects a malformed line (the schema check is not vacuous)', () => {
    const bad = {
      study_id: '1',
      opacity_vs_clear: {},
      entity: { x: { location: ['left'] } },
      uncertain_entity: {},
      no_entity: [],
    };
    expect(GoldLine.safeParse(bad).success).toBe(false);
  });

  it('puts each name in one category once, lower-case and canonical', () => {
    for (const g of gold) {
      const names = allNames(g);
      expect(new Set(names).size, `${g.study_id}: ${names.join(', ')}`).toBe(names.length);
      for (const n of names) {
        expect(n, g.study_id).toBe(n.toLowerCase().trim());
        expect(NOT_CANONICAL, `${g.study_id}: ${n}`).not.toContain(n);
      }
      expect(g.entity.cardiomegaly?.location ?? null, g.study_id).toBeNull();
    }
  });

  it('labels only what the report text says: names and attribute words occur in it', () => {
    for (const g of gold) {
      const text = norm(reports.get(g.study_id) ?? '');
      for (const n of allNames(g)) {
        const re = SURFACE[n] ?? new RegExp(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        expect(re.test(text), `${g.study_id}: name "${n}" not found in the report`).toBe(true);
      }
      const attrs = [
        ...Object.values(g.entity),
        ...Object.values(g.uncertain_entity),
        ...Object.values(g.opacity_vs_clear),
      ];
      for (const a of attrs) {
        for (const v of [a.location, a.level, a.type]) {
          if (v !== null) expect(text.includes(v), `${g.study_id}: attribute "${v}" not in the report`).toBe(true);
        }
      }
    }
  });

  it('covers the common findings as positives', () => {
    const positives = new Set(gold.flatMap((g) => Object.keys(g.entity)));
    for (const n of [
      'pleural effusion',
      'atelectasis',
      'cardiomegaly',
      'edema',
      'pneumothorax',
      'vascular congestion',
      'consolidation',
      'pneumonia',
      'lung opacity',
      'emphysema',
      'subcutaneous emphysema',
      'hernia',
      'fracture',
      'granuloma',
      'calcification',
      'nodule',
      'pleural thickening',
      'pneumomediastinum',
    ]) {
      expect(positives, n).toContain(n);
    }
  });

  it('includes devices-only, no-FINDINGS, WET READ and hedged studies', () => {
    const text = (g: Gold) => reports.get(g.study_id) ?? '';
    expect(gold.filter((g) => isEmpty(g)).length).toBeGreaterThanOrEqual(4);
    expect(gold.filter((g) => !hasFindings(text(g))).length).toBeGreaterThanOrEqual(15);
    expect(gold.filter((g) => text(g).includes('WET READ:')).length).toBeGreaterThanOrEqual(8);
    expect(gold.filter((g) => Object.keys(g.uncertain_entity).length > 0).length).toBeGreaterThanOrEqual(12);
    expect(gold.filter((g) => Object.keys(g.opacity_vs_clear).length > 0).length).toBeGreaterThanOrEqual(30);
  });

  it('treats "no change in X" as positive X', () => {
    const ids = gold.filter((g) => /no change in the/i.test(reports.get(g.study_id) ?? '')).map((g) => g.study_id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const id of ids) expect(Object.keys(goldById.get(id)?.entity ?? {}).length, id).toBeGreaterThan(0);
  });
});

describe('phenomena the later steps must handle', () => {
  it('has many reports without a FINDINGS section and with WET READ blocks', () => {
    expect(count((t) => !hasFindings(t))).toBeGreaterThanOrEqual(15);
    expect(count((t) => t.includes('WET READ:'))).toBeGreaterThanOrEqual(8);
  });

  it('has negation, hedging, resolution and "no change in" wording several times', () => {
    expect(count((t) => /\bno (pneumothorax|pleural effusion|focal consolidation)/i.test(t))).toBeGreaterThanOrEqual(
      40,
    );
    expect(count((t) => /\bwithout\b/i.test(t))).toBeGreaterThanOrEqual(3);
    expect(count((t) => /clear of focal consolidation/i.test(t))).toBeGreaterThanOrEqual(1);
    expect(count((t) => /without (focal consolidation, )?pleural effusion/i.test(t))).toBeGreaterThanOrEqual(2);
    expect(
      count((t) => /may represent|cannot be excluded|could be|could reflect|concerning for/i.test(t)),
    ).toBeGreaterThanOrEqual(12);
    expect(count((t) => /could be atelectasis, aspiration or early/i.test(t))).toBeGreaterThanOrEqual(2);
    expect(count((t) => /resolved|no longer seen/i.test(t))).toBeGreaterThanOrEqual(10);
    expect(count((t) => /no change in/i.test(t))).toBeGreaterThanOrEqual(6);
  });

  it('describes one finding on both sides in one report (two instances)', () => {
    const twoSided = count((t) => {
      const sides = new Map<string, Set<string>>();
      for (const m of norm(t).matchAll(/\b(left|right)\b[^.]{0,40}?\b(nodule|effusion|atelectasis|rib)/g)) {
        const [, side, noun] = m;
        if (side && noun) sides.set(noun, (sides.get(noun) ?? new Set()).add(side));
      }
      return [...sides.values()].some((s) => s.size === 2);
    });
    expect(twoSided).toBeGreaterThanOrEqual(4);
  });

  it('uses the level and type words the extractors look for', () => {
    const all = norm([...reports.values()].join('\n'));
    for (const w of [
      'small',
      'moderate',
      'large',
      'mild',
      'severe',
      'minimal',
      'layering',
      'patchy',
      'compressive',
      'interstitial',
      'calcified',
      'bibasilar',
      'bilateral',
      'left lower lobe',
      'right upper lobe',
      'retrocardiac',
    ]) {
      expect(all, w).toContain(w);
    }
  });

  it('tells emphysema apart from subcutaneous emphysema', () => {
    expect(count((t) => /subcutaneous emphysema/i.test(t))).toBeGreaterThanOrEqual(4);
    expect(count((t) => /emphysema/i.test(t.replace(/subcutaneous emphysema/gi, '')))).toBeGreaterThanOrEqual(6);
  });

  it('includes a few awkward but valid files', () => {
    expect(count((t) => t.trim().length < 80)).toBeGreaterThanOrEqual(1);
    expect(count((t) => /^\s*findings:/m.test(t) && !hasFindings(t))).toBeGreaterThanOrEqual(1);
    expect(count((t) => /\P{ASCII}/u.test(t))).toBeGreaterThanOrEqual(1);
    expect(count((t) => t.includes('\r\n'))).toBeGreaterThanOrEqual(1);
  });
});
