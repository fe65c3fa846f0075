import type { EvalReport, Prf } from './metrics.js';

const pct = (v: number | null) => (v === null ? '   -  ' : (100 * v).toFixed(1).padStart(5) + '%');

function prfLine(label: string, p: Prf): string {
  return `${label.padEnd(11)} P ${pct(p.precision)}  R ${pct(p.recall)}  F1 ${pct(p.f1)}   tp=${p.tp} fp=${p.fp} fn=${p.fn}`;
}

/** Terminal table of one scored scope. */
export function formatReport(title: string, r: EvalReport, opts: { perEntity?: number } = {}): string {
  const lines: string[] = [];
  lines.push(`== ${title}`);
  const i = r.ids;
  lines.push(
    `ids: gold ${i.gold}, pred ${i.pred}, matched ${i.matched} (scored), gold-only ${i.goldOnly}, pred-only ${i.predOnly}${i.excluded ? `, excluded by gold ${i.excluded}` : ''}`,
  );
  if (i.goldOnly) lines.push(`  gold-only e.g. ${i.examplesGoldOnly.join(', ')}`);
  if (i.predOnly) lines.push(`  pred-only e.g. ${i.examplesPredOnly.join(', ')}`);
  if (r.restrictedTo) lines.push(`restricted to ${r.restrictedTo.length} entities: ${r.restrictedTo.join(', ')}`);
  for (const [cat, p] of Object.entries(r.categories)) lines.push(prfLine(cat, p));
  const attrs = Object.entries(r.attributes)
    .map(([k, a]) => `${k} ${pct(a.accuracy)} exact / ${pct(a.overlapAccuracy)} overlap (n=${a.total})`)
    .join('  ');
  lines.push(`attributes on matched positives: ${attrs}`);
  const limit = opts.perEntity ?? 25;
  if (limit > 0 && r.perEntity.length) {
    lines.push(`${'entity'.padEnd(34)} ${'cat'.padEnd(9)} support   tp   fp   fn     P      R      F1`);
    for (const e of r.perEntity.slice(0, limit)) {
      lines.push(
        `${e.name.slice(0, 34).padEnd(34)} ${e.category.slice(0, 9).padEnd(9)} ${String(e.support).padStart(7)} ${String(e.tp).padStart(4)} ${String(e.fp).padStart(4)} ${String(e.fn).padStart(4)} ${pct(e.precision)} ${pct(e.recall)} ${pct(e.f1)}`,
      );
    }
    if (r.perEntity.length > limit) lines.push(`… ${r.perEntity.length - limit} more rows in --json output`);
  }
  return lines.join('\n');
}
