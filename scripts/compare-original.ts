/**
 * Compares question CSVs (the release layout: study_id, subject_id, question_type, question, answer)
 * from two generators over several seeds: per-type mean counts, the sets of question templates,
 * and answer agreement where both ask the same question of the same study.
 *
 *   npx tsx scripts/compare-original.ts --a orig_seed*.csv --b cx-release-*.csv [--a-name original --b-name release]
 *     [--common-studies]
 *
 * `--common-studies` (as many A files as B files, seed i against seed i): counts only the studies
 * both files of a seed ask questions of (the Diff-VQA layout, where the original's pairing loop
 * leaves some studies out). A difference question is compared only against the same reference.
 *
 * It reads only CSVs; it holds no code of either generator.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';

interface Row {
  study_id: string;
  ref_id?: string;
  question_type: string;
  question: string;
  answer: string;
}

/** Question wording with names and places taken out: which template a question was built from. */
const TEMPLATES: Array<[string, RegExp]> = [
  ['what abnormalities are seen in this image?', /^what abnormalities are seen in this image\?$/],
  ['what abnormalities are seen in the <place>?', /^what abnormalities are seen in (the|both) .+\?$/],
  ['is there evidence of any abnormalities in this image?', /^is there evidence of any abnormalities in this image\?$/],
  ['is there evidence of <x> in this image?', /^is there evidence of .+ in this image\?$/],
  ['is there <x> in the <place> area?', /^is there .+ in the .+ area\?$/],
  ['is there <x> in the <place>?', /^is there .+ in (the|both) .+\?$/],
  ['is there <x>?', /^is there .+\?$/],
  ['is the <x> bilateral?', /^is the .+ bilateral\?$/],
  ['which view is this image taken?', /^which view is this image taken\?$/],
  ['is this PA view?', /^is this PA view\?$/],
  ['is this AP view?', /^is this AP view\?$/],
  ['where in the image is the <x> located?', /^where in the image is the .+ located\?$/],
  ['where is the <x>?', /^where is the .+\?$/],
  ['is the <x> located on the left side or right side?', /^is the .+ located on the left side or right side\?$/],
  ['what level is the <x>?', /^what level is the .+\?$/],
  ['what type is the <x>?', /^what type is the .+\?$/],
  ['what has changed compared to the reference image?', /^what has changed compared to the reference image\?$/],
  ['what has changed in the <place> area?', /^what has changed in the .+ area\?$/],
];
const templateOf = (q: string) => TEMPLATES.find(([, re]) => re.test(q))?.[0] ?? `other: ${q}`;

function args(): { a: string[]; b: string[]; aName: string; bName: string; common: boolean } {
  const out = { a: [] as string[], b: [] as string[], aName: 'original', bName: 'cxrvqa', common: false };
  let list: string[] | null = null;
  let prev: string | undefined;
  for (const v of process.argv.slice(2)) {
    if (v === '--common-studies') {
      out.common = true;
      list = null;
    } else if (v === '--a') list = out.a;
    else if (v === '--b') list = out.b;
    else if (v === '--a-name' || v === '--b-name') list = null;
    else if (prev === '--a-name') out.aName = v;
    else if (prev === '--b-name') out.bName = v;
    else if (list) list.push(v);
    prev = v;
  }
  if (!out.a.length || !out.b.length) {
    process.stderr.write('usage: compare-original --a A1.csv [A2.csv ...] --b B1.csv [B2.csv ...]\n');
    process.exit(2);
  }
  if (out.common && out.a.length !== out.b.length) {
    process.stderr.write('--common-studies needs as many --a files as --b files (seed i against seed i)\n');
    process.exit(2);
  }
  return out;
}

const read = (file: string): Row[] => parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true }) as Row[];

interface Side {
  counts: Map<string, number[]>;
  templates: Map<string, number>;
  answers: Map<string, string>;
  /** The question type of each key. */
  types: Map<string, string>;
  unstable: number;
}

/** A question's key: the study and question, and for a difference question its reference. */
const keyOf = (r: Row) =>
  `${r.study_id}\u0000${r.question}${r.question_type === 'difference' ? `\u0000${r.ref_id ?? ''}` : ''}`;

function load(tables: Row[][]): Side {
  const side: Side = { counts: new Map(), templates: new Map(), answers: new Map(), types: new Map(), unstable: 0 };
  tables.forEach((rows, i) => {
    for (const r of rows) {
      const c = side.counts.get(r.question_type) ?? Array(tables.length).fill(0);
      c[i]++;
      side.counts.set(r.question_type, c);
      const t = templateOf(r.question);
      side.templates.set(t, (side.templates.get(t) ?? 0) + 1);
      const key = keyOf(r);
      const prev = side.answers.get(key);
      side.types.set(key, r.question_type);
      if (prev === undefined) side.answers.set(key, r.answer);
      else if (prev !== r.answer) side.unstable++;
    }
  });
  return side;
}

/** An answer with its sentences and "of a, b and c than" items sorted: random list order taken out. */
const listFree = (answer: string) =>
  answer
    .trim()
    .split(/\.\s*/)
    .filter(Boolean)
    .map((sentence) =>
      sentence.replace(
        / of (.+) than /,
        (_, items: string) =>
          ` of ${items
            .split(/,? and |, /)
            .sort()
            .join('|')} than `,
      ),
    )
    .sort()
    .join('. ');

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

function main(): void {
  const { a, b, aName, bName, common } = args();
  let aRows = a.map(read);
  let bRows = b.map(read);
  if (common) {
    const studies = (rows: Row[]) => new Set(rows.map((r) => r.study_id));
    const kept = aRows.map((rows, i) => {
      const other = studies(bRows[i]!);
      return new Set([...studies(rows)].filter((s) => other.has(s)));
    });
    const before = aRows.map((rows, i) => [studies(rows).size, studies(bRows[i]!).size]);
    aRows = aRows.map((rows, i) => rows.filter((r) => kept[i]!.has(r.study_id)));
    bRows = bRows.map((rows, i) => rows.filter((r) => kept[i]!.has(r.study_id)));
    const m = (k: 0 | 1) => mean(before.map((x) => x[k]!)).toFixed(1);
    console.log(
      `common studies: mean ${mean(kept.map((k) => k.size)).toFixed(1)} per seed (${aName} asks ${m(0)}, ${bName} ${m(1)})`,
    );
  }
  const A = load(aRows);
  const B = load(bRows);
  const types = [...new Set([...A.counts.keys(), ...B.counts.keys()])];
  const rows = [['type', `${aName} mean`, `${bName} mean`, 'diff']];
  let ta = 0;
  let tb = 0;
  for (const t of types) {
    const ma = mean(A.counts.get(t) ?? [0]);
    const mb = mean(B.counts.get(t) ?? [0]);
    ta += ma;
    tb += mb;
    rows.push([t, ma.toFixed(1), mb.toFixed(1), ma ? pct(mb / ma - 1) : 'n/a']);
  }
  rows.push(['total', ta.toFixed(1), tb.toFixed(1), pct(tb / ta - 1)]);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  '));
  console.log(`seeds: ${a.length} (${aName}), ${b.length} (${bName})`);

  const onlyA = [...A.templates.keys()].filter((t) => !B.templates.has(t));
  const onlyB = [...B.templates.keys()].filter((t) => !A.templates.has(t));
  console.log(
    `templates: ${A.templates.size} (${aName}), ${B.templates.size} (${bName}); same set: ${!onlyA.length && !onlyB.length}`,
  );
  for (const t of onlyA) console.log(`  only ${aName}: ${t} (${A.templates.get(t)})`);
  for (const t of onlyB) console.log(`  only ${bName}: ${t} (${B.templates.get(t)})`);

  let both = 0;
  let agree = 0;
  let unordered = 0;
  const byType = new Map<string, [number, number]>();
  const examples: string[] = [];
  for (const [key, ans] of A.answers) {
    const other = B.answers.get(key);
    if (other === undefined) continue;
    both++;
    const t = A.types.get(key)!;
    const tally = byType.get(t) ?? [0, 0];
    tally[1]++;
    if (other === ans) tally[0]++;
    byType.set(t, tally);
    const sameUpToOrder = t === 'difference' && listFree(other) === listFree(ans);
    if (sameUpToOrder) unordered++;
    if (other === ans) agree++;
    // Examples show the disagreements that are more than a random order.
    else if (!sameUpToOrder && examples.length < 8)
      examples.push(`  ${key.replaceAll('\u0000', ' · ')}: ${aName} "${ans}", ${bName} "${other}"`);
  }
  console.log(
    `agreement: ${agree}/${both} (${((100 * agree) / Math.max(1, both)).toFixed(2)}%) of (study, question) keys both ask`,
  );
  const diffs = byType.get('difference');
  if (diffs)
    console.log(
      `  difference answers the same up to the order of their sentences and list items: ${unordered}/${diffs[1]} (${((100 * unordered) / diffs[1]).toFixed(2)}%)`,
    );
  console.log(
    `  by type: ${[...byType].map(([t, [g, n]]) => `${t} ${g}/${n} (${((100 * g) / n).toFixed(2)}%)`).join(', ')}`,
  );
  for (const e of examples) console.log(e);
  if (A.unstable || B.unstable)
    console.log(`answers differing between seeds for one key: ${A.unstable} (${aName}), ${B.unstable} (${bName})`);
}

main();
