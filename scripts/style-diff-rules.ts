/**
 * npx tsx scripts/style-diff-rules.ts [--sample] [--mimic DIR] [--iu CSV]
 *
 * How many studies / findings / questions each `release`-vs-`improved` difference of the rules,
 * model-input and follow-up stages changes (docs/differences.md Part 1). Runs both styles through
 * the pure functions; each difference is measured alone (the other ones held at `improved`).
 * --mimic: a folder written by `npm run generate:corpus` (files/, metadata.csv, truth.jsonl);
 * --iu: an Indiana University reports CSV (uid, ..., findings, impression).
 * The follow-up plan compares the reference with the corpus's KeyInfo (sample gold.jsonl, the
 * generator's truth.jsonl) or, without one, with an empty record (every reference finding asked).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { namesIn, normalizeForFollowup, planQuestions, type Question } from '../src/pipeline/followup/plan.js';
import { selectSections } from '../src/pipeline/ingest/sections.js';
import { normalizeText } from '../src/pipeline/ingest/text.js';
import { extractReference } from '../src/pipeline/rules/extract.js';
import { libsFor } from '../src/pipeline/rules/libs.js';
import { referenceToKeyInfo } from '../src/pipeline/rules/toKeyInfo.js';
import type { ReferenceRecord } from '../src/pipeline/schemas/reference.js';
import { dataPath } from '../src/pipeline/util/paths.js';
import { reportPath } from './lib/synth.js';

interface Study {
  study_id: string;
  text: string;
}

interface Corpus {
  name: string;
  studies: Study[];
  /** A KeyInfo per study standing in for the model's record in the follow-up comparison. */
  records: Map<string, unknown> | null;
}

function readJsonl(file: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { study_id: string };
    out.set(String(r.study_id), r);
  }
  return out;
}

function readMimicLayout(name: string, dir: string, truth: string | null): Corpus {
  const meta = parse(fs.readFileSync(path.join(dir, 'metadata.csv'), 'utf8'), { columns: true }) as Array<
    Record<string, string>
  >;
  const studies: Study[] = [];
  const seen = new Set<string>();
  for (const m of meta) {
    const sid = m.study_id!;
    if (seen.has(sid)) continue;
    seen.add(sid);
    const file = path.join(dir, reportPath({ subject_id: m.subject_id!, study_id: sid }));
    if (fs.existsSync(file)) studies.push({ study_id: sid, text: normalizeText(fs.readFileSync(file, 'utf8')) });
  }
  return { name, studies, records: truth && fs.existsSync(truth) ? readJsonl(truth) : null };
}

function readIu(file: string): Corpus {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  const studies = rows.map((r) => ({
    study_id: r.uid!,
    // The ingest's Indiana layout: non-empty columns as `COLUMN: value` paragraphs.
    text: ['indication', 'comparison', 'findings', 'impression']
      .filter((c) => (r[c] ?? '').trim())
      .map((c) => `${c.toUpperCase()}: ${r[c]!.trim()}`)
      .join('\n\n'),
  }));
  return { name: `IU (${path.basename(file)})`, studies, records: null };
}

const strip = (r: ReferenceRecord) =>
  JSON.stringify(
    Object.entries(r.entity).map(([k, e]) => [
      k,
      e.location,
      e.type,
      e.level,
      e.post_location,
      e.location2,
      e.level2,
      e.type2,
    ]),
  );

function findingDiff(a: ReferenceRecord, b: ReferenceRecord): { changed: number; added: number; removed: number } {
  let changed = 0;
  let added = 0;
  let removed = 0;
  for (const [k, e] of Object.entries(a.entity)) {
    const f = b.entity[k];
    if (!f) removed++;
    else if (strip({ ...a, entity: { [k]: e } }) !== strip({ ...b, entity: { [k]: f } })) changed++;
  }
  for (const k of Object.keys(b.entity)) if (!a.entity[k]) added++;
  return { changed, added, removed };
}

const qKey = (q: Question) => `${q.polarity}:${q.entity}`;

interface FollowupCounts {
  studies: number;
  /** Reference names on which the original's substring presence test and ours disagree. */
  presenceDiffers: number;
  improved: number;
  release: number;
  opacity: number;
  renamed: number;
  reordered: number;
  studiesChanged: number;
}
const emptyFollowupCounts = (): FollowupCounts => ({
  studies: 0,
  presenceDiffers: 0,
  improved: 0,
  release: 0,
  opacity: 0,
  renamed: 0,
  reordered: 0,
  studiesChanged: 0,
});

/** Both styles' follow-up plans for one study against the same reference, added to `fu`. */
function followup(fu: FollowupCounts, record: unknown, ref: ReferenceRecord): void {
  const qi = planQuestions(record, ref, undefined, 'improved');
  const qr = planQuestions(record, ref, undefined, 'release');
  fu.studies++;
  fu.improved += qi.length;
  fu.release += qr.length;
  fu.opacity += qi.filter((q) => q.polarity === 'positive' && q.entity === 'opacity').length;
  const iKeys = new Set(qi.map(qKey));
  fu.renamed += qr.filter((q) => !iKeys.has(qKey(q))).length;
  const kept = qr.filter((q) => iKeys.has(qKey(q))).map(qKey);
  const iOrder = qi.map(qKey).filter((k) => kept.includes(k));
  if (kept.join('|') !== iOrder.join('|')) fu.reordered++;
  if (qr.map(qKey).join('|') !== qi.map(qKey).join('|')) fu.studiesChanged++;
  // The original's test: a word of the name found anywhere in the comma-joined names (a substring test).
  const o = (typeof record === 'object' && record ? record : {}) as Record<string, unknown>;
  const joined = (keys: string[]) => keys.flatMap((k) => namesIn(o[k])).join(',');
  const asks = new Set(qi.map(qKey));
  const check = (polarity: 'positive' | 'negative', name: string, keys: string[]) => {
    const n = normalizeForFollowup(name);
    if (n.ask === 'opacity') return;
    const names = joined(keys);
    const originalAsks = !n.words.some((w) => names.includes(w));
    if (originalAsks !== asks.has(`${polarity}:${n.ask}`)) fu.presenceDiffers++;
  };
  for (const name of ref.no_entity) check('negative', name, ['no_entity', 'uncertain_entity']);
  for (const [k, e] of Object.entries(ref.entity))
    check('positive', e.entity_name || k, ['entity', 'uncertain_entity']);
}

function measure(c: Corpus): Array<[string, string]> {
  const improvedLibs = libsFor('improved');
  const releaseLibs = libsFor('release');
  const rows: Array<[string, string]> = [];
  let tieStudies = 0;
  let tieFindings = 0;
  let bullStudies = 0;
  let bullAdded = 0;
  let bullRemoved = 0;
  let bullChanged = 0;
  let joinStudies = 0;
  let joinAttrs = 0;
  let inputStudies = 0;
  let findings = 0;
  let allStudies = 0;
  const fuEmpty = emptyFollowupCounts();
  const fuCorpus = emptyFollowupCounts();
  for (const s of c.studies) {
    const input = { study_id: s.study_id, text: s.text };
    const ref = extractReference(input, improvedLibs, { likely: 'uncertain', style: 'improved' });
    findings += Object.keys(ref.entity).length;
    const tie = extractReference(input, improvedLibs, { likely: 'uncertain', style: 'release' });
    const t = findingDiff(ref, tie);
    if (t.changed) tieStudies++;
    tieFindings += t.changed;
    const bull = extractReference(input, releaseLibs, { likely: 'uncertain', style: 'improved' });
    const b = findingDiff(ref, bull);
    if (b.added + b.removed + b.changed) bullStudies++;
    bullAdded += b.added;
    bullRemoved += b.removed;
    bullChanged += b.changed;
    const ki = referenceToKeyInfo(ref, 'improved');
    const kr = referenceToKeyInfo(ref, 'release');
    let attrs = 0;
    for (const [k, a] of Object.entries(ki.entity))
      for (const att of ['location', 'level', 'type'] as const) if (a[att] !== kr.entity[k]![att]) attrs++;
    if (attrs) joinStudies++;
    joinAttrs += attrs;
    const all = extractReference(input, releaseLibs, { likely: 'uncertain', style: 'release' });
    if (JSON.stringify(referenceToKeyInfo(all, 'release')) !== JSON.stringify(ki)) allStudies++;
    if (selectSections(s.text, 'release').text !== selectSections(s.text).text) inputStudies++;

    followup(fuEmpty, {}, ref);
    const record = c.records?.get(s.study_id);
    if (record) followup(fuCorpus, record, ref);
  }
  const n = c.studies.length;
  const pct = (x: number, of: number) => (of ? `${((100 * x) / of).toFixed(1)}%` : '–');
  rows.push(['studies', String(n)]);
  rows.push(['reference findings (improved)', String(findings)]);
  rows.push(['tie: later mention kept', `${tieStudies} studies (${pct(tieStudies, n)}), ${tieFindings} findings`]);
  rows.push([
    'no "bullous" variant',
    `${bullStudies} studies, ${bullRemoved} findings removed, ${bullAdded} added, ${bullChanged} changed`,
  ]);
  rows.push(['"," join (rules KeyInfo)', `${joinStudies} studies (${pct(joinStudies, n)}), ${joinAttrs} attributes`]);
  rows.push(['rules KeyInfo, all differences', `${allStudies} studies (${pct(allStudies, n)})`]);
  rows.push(['model input keeps IMPRESSION:', `${inputStudies} studies (${pct(inputStudies, n)})`]);
  const fuRows = (label: string, fu: FollowupCounts) => {
    rows.push([
      `follow-up questions vs ${label} (${fu.studies} studies)`,
      `improved ${fu.improved}, release ${fu.release} (${fu.release - fu.improved >= 0 ? '+' : ''}${pct(fu.release - fu.improved, fu.improved)})`,
    ]);
    rows.push(['  opacity positives (improved only)', String(fu.opacity)]);
    rows.push(['  asked under another name (release)', String(fu.renamed)]);
    rows.push(['  studies asked in another order', `${fu.reordered} (${pct(fu.reordered, fu.studies)})`]);
    rows.push(['  studies whose questions differ', `${fu.studiesChanged} (${pct(fu.studiesChanged, fu.studies)})`]);
    if (fu !== fuEmpty)
      rows.push(['  names the substring test decides otherwise (F4, F6)', String(fu.presenceDiffers)]);
  };
  if (c.records) fuRows('corpus KeyInfo', fuCorpus);
  fuRows('empty record', fuEmpty);
  return rows;
}

const { values } = parseArgs({
  options: { sample: { type: 'boolean', default: false }, mimic: { type: 'string' }, iu: { type: 'string' } },
});
const corpora: Corpus[] = [];
if (values.sample) {
  const dir = dataPath('sample');
  corpora.push(readMimicLayout('bundled sample', dir, path.join(dir, 'gold.jsonl')));
}
if (values.mimic)
  corpora.push(
    readMimicLayout(`generated (${path.basename(values.mimic)})`, values.mimic, path.join(values.mimic, 'truth.jsonl')),
  );
if (values.iu) corpora.push(readIu(values.iu));
if (corpora.length === 0) {
  process.stderr.write('usage: npx tsx scripts/style-diff-rules.ts [--sample] [--mimic DIR] [--iu CSV]\n');
  process.exit(2);
}
for (const c of corpora) {
  process.stdout.write(`\n## ${c.name}\n\n| difference | effect |\n|---|---|\n`);
  for (const [k, v] of measure(c)) process.stdout.write(`| ${k} | ${v} |\n`);
}
