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

/** How much of the gold the predictions cover (the headline of every evaluation). */
export interface Coverage {
  /** Gold studies that are scored (after exclusions). */
  goldIds: number;
  predicted: number;
  matched: number;
  /** Gold studies without a usable prediction. */
  missing: number;
  /** Prediction rows left out because their extraction failed. */
  failedRows: number;
  /** matched / goldIds. */
  overlap: number | null;
}

export interface EvalResult {
  gold: string;
  pred: string;
  coverage: Coverage;
  warnings: string[];
  /** Labels gold: studies with an unmapped gold term, scored on their mapped terms only. */
  partialStudies?: number;
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
  let partial: Set<string> | undefined;
  if (format === 'labels') {
    if (!o.mapping)
      throw new UserError(
        'A labels gold file needs --mapping (label term → entity name).',
        'For Indiana/Open-i: --mapping data/mappings/iu-xray.csv',
      );
    const mapping = loadMapping(o.mapping, libs.officialNames);
    const set = readLabelsSet(o.gold, {
      idCol: o.idCol ?? 'uid',
      labelCol: o.labelCol ?? 'MeSH',
      mapping,
      names: libs.officialNames,
    });
    gold = set;
    unmapped = set.unmapped;
    partial = set.partial;
    mappingTargets = mapping.targets;
  } else {
    gold = readKeyInfoSet(o.gold, { names: libs.officialNames });
  }

  let pred: EvalSet;
  if (o.pred === 'rules') {
    if (!o.corpus)
      throw new UserError('--pred rules needs --corpus (a CSV with report text, or a MIMIC-layout folder).');
    const corpus = readCorpus(o.corpus, { idCol: o.idCol, textCols: o.textCols });
    pred = {
      ...rulesPredictions(corpus.reports, libs, { likely: o.likely ?? 'uncertain' }),
      warnings: corpus.warnings,
    };
  } else {
    if (!fs.existsSync(o.pred))
      throw new UserError(
        `${o.pred} not found.`,
        'Pass a KeyInfo JSON/JSONL file, a run folder, or `rules` with --corpus.',
      );
    pred = readKeyInfoSet(o.pred, { artifact: o.predArtifact, names: libs.officialNames });
  }

  if (o.half) {
    gold = {
      ...gold,
      docs: keepHalf(gold.docs, o.half),
      excluded: new Set([...gold.excluded].filter((id) => halfOf(id) === o.half)),
    };
    pred = { ...pred, docs: keepHalf(pred.docs, o.half) };
  }
  const warnings = [...(gold.warnings ?? []), ...(pred.warnings ?? [])];
  const user = o.restrict?.length ? new Set(o.restrict.map((n) => n.trim()).filter(Boolean)) : null;
  if (user) {
    const known = new Set([...(mappingTargets ?? []), ...libs.officialNames.values()]);
    const unknown = [...user].filter((n) => !known.has(n));
    if (unknown.length)
      warnings.push(
        `--restrict: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not an entity name the gold or the library knows (nothing to score)`,
      );
  }
  const scopes: Record<string, EvalReport> = {};
  if (mappingTargets) {
    const original = new Set(libs.diseases.filter((d) => d.origin === 'original').map((d) => d.official));
    const covered = new Set([...mappingTargets].filter((n) => original.has(n) && (!user || user.has(n))));
    scopes['covered'] = evaluate(gold, pred, { restrictTo: covered });
    scopes['all-mapped'] = evaluate(gold, pred, {
      restrictTo: user ? new Set([...mappingTargets].filter((n) => user.has(n))) : mappingTargets,
    });
  } else {
    scopes['all'] = evaluate(gold, pred, { restrictTo: user });
  }
  const goldIds = [...gold.docs.keys()].filter((id) => !gold.excluded.has(id));
  const matched = goldIds.filter((id) => pred.docs.has(id)).length;
  const coverage: Coverage = {
    goldIds: goldIds.length,
    predicted: pred.docs.size,
    matched,
    missing: goldIds.length - matched,
    failedRows: pred.failed ?? 0,
    overlap: goldIds.length ? matched / goldIds.length : null,
  };
  const partialStudies = partial ? goldIds.filter((id) => partial.has(id)).length : undefined;
  return {
    gold: gold.source,
    pred: pred.source,
    coverage,
    warnings,
    partialStudies,
    scopes,
    unmappedTerms: unmapped && unmapped.size ? Object.fromEntries(unmapped) : undefined,
  };
}
