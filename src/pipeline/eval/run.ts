import fs from 'node:fs';
import { UserError } from '../util/errors.js';
import { defaultLibs, loadLibs } from '../rules/libs.js';
import type { ExtractOptions } from '../rules/extract.js';
import { readKeyInfoSet } from './adapters.js';
import { readCorpus, rulesPredictions } from './corpus.js';
import { loadMapping, readLabelsSet } from './labels.js';
import { evaluate, type EvalReport } from './metrics.js';
import type { EvalSet } from './types.js';
import { halfOf, keepHalf, type Half } from './half.js';

export interface EvalOptions {
  gold: string;
  goldFormat?: 'keyinfo' | 'labels';
  idCol?: string;
  labelCol?: string;
  mapping?: string;
  /** A KeyInfo file, a run folder, or `rules` (run the extractor on `corpus`). */
  pred: string;
  predArtifact?: string;
  corpus?: string;
  textCols?: string[];
  libs?: string;
  likely?: ExtractOptions['likely'];
  /** Comma-separated entity names to restrict every scope to. */
  restrict?: string[];
  /** Score only one fixed half of the studies (see half.ts). */
  half?: Half;
}

export interface EvalResult {
  gold: string;
  pred: string;
  /** Named scores: `all`, and for labels gold `covered` (label set ∩ original disease library) and `all-mapped`. */
  scopes: Record<string, EvalReport>;
  unmappedTerms?: Record<string, number>;
}

/** Load both sides and score them (the I/O edge of the evaluation; scoring itself is pure). */
export function runEvaluation(o: EvalOptions): EvalResult {
  const libs = o.libs ? loadLibs(o.libs) : defaultLibs();
  const format = o.goldFormat ?? (/\.csv$/i.test(o.gold) ? 'labels' : 'keyinfo');
  let gold: EvalSet;
  let mappingTargets: Set<string> | null = null;
  let unmapped: Map<string, number> | undefined;
  if (format === 'labels') {
    if (!o.mapping) throw new UserError('A labels gold file needs --mapping (label term → entity name).', 'For Indiana/Open-i: --mapping data/mappings/iu-xray.csv');
    const mapping = loadMapping(o.mapping, libs.officialNames);
    const set = readLabelsSet(o.gold, { idCol: o.idCol ?? 'uid', labelCol: o.labelCol ?? 'MeSH', mapping, names: libs.officialNames });
    gold = set;
    unmapped = set.unmapped;
    mappingTargets = mapping.targets;
  } else {
    gold = readKeyInfoSet(o.gold, { names: libs.officialNames });
  }

  let pred: EvalSet;
  if (o.pred === 'rules') {
    if (!o.corpus) throw new UserError('--pred rules needs --corpus (a CSV with report text, or a MIMIC-layout folder).');
    pred = rulesPredictions(readCorpus(o.corpus, { idCol: o.idCol, textCols: o.textCols }), libs, { likely: o.likely ?? 'uncertain' });
  } else {
    if (!fs.existsSync(o.pred)) throw new UserError(`${o.pred} not found.`, 'Pass a KeyInfo JSON/JSONL file, a run folder, or `rules` with --corpus.');
    pred = readKeyInfoSet(o.pred, { artifact: o.predArtifact, names: libs.officialNames });
  }

  if (o.half) {
    gold = { ...gold, docs: keepHalf(gold.docs, o.half), excluded: new Set([...gold.excluded].filter((id) => halfOf(id) === o.half)) };
    pred = { ...pred, docs: keepHalf(pred.docs, o.half) };
  }
  const user = o.restrict?.length ? new Set(o.restrict.map((n) => n.trim()).filter(Boolean)) : null;
  const scopes: Record<string, EvalReport> = {};
  if (mappingTargets) {
    const original = new Set(libs.diseases.filter((d) => d.origin === 'original').map((d) => d.official));
    const covered = new Set([...mappingTargets].filter((n) => original.has(n) && (!user || user.has(n))));
    scopes['covered'] = evaluate(gold, pred, { restrictTo: covered });
    scopes['all-mapped'] = evaluate(gold, pred, { restrictTo: user ? new Set([...mappingTargets].filter((n) => user.has(n))) : mappingTargets });
  } else {
    scopes['all'] = evaluate(gold, pred, { restrictTo: user });
  }
  return { gold: gold.source, pred: pred.source, scopes, unmappedTerms: unmapped && unmapped.size ? Object.fromEntries(unmapped) : undefined };
}
