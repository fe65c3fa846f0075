import { textBar } from './chart.js';
import type { RunReportData } from './collect.js';
import { fmtMs, fmtNum, mdCell } from './escape.js';
import { mdTable } from './generic.js';
import { evalMd } from './evalTables.js';
import { typeCells } from '../questions/stats.js';
import { checksMd } from './checks.js';

/** The same order as the HTML page: what the run made first, the steps after. */
export function renderMarkdown(d: RunReportData): string {
  const out: string[] = [];
  out.push(
    `# cxrvqa run report\n`,
    `${mdCell(d.dir)} · cxrvqa ${mdCell(d.toolVersion)} · created ${d.createdAt} · updated ${d.updatedAt}\n`,
    `corpus: ${mdCell(d.corpus)} · backend: ${mdCell(d.backend)}\n`,
  );
  out.push('## Dataset statistics\n');
  const st = d.stats;
  if (!st) out.push('No questions yet (run the questions step).\n');
  else {
    const maxShare = Math.max(...st.by_type.map((t) => Math.max(t.share, t.release_share ?? 0)));
    out.push(
      mdTable(
        [
          'type',
          'count',
          'share',
          'open',
          'closed',
          'yes',
          'no',
          'subjects',
          'answer vocab',
          'release',
          'release share',
          'this run / release',
        ],
        [
          ...st.by_type.map((t) => [
            ...typeCells(t),
            `\`${textBar(t.share, maxShare, 16).padEnd(16)}\` / \`${textBar(t.release_share ?? 0, maxShare, 16)}\``,
          ]),
          [
            'total',
            fmtNum(st.total),
            '',
            '',
            '',
            '',
            '',
            fmtNum(st.subjects),
            fmtNum(st.answer_vocab),
            fmtNum(st.release.total),
            '',
            '',
          ],
        ],
      ),
    );
    out.push(
      `Studies ${fmtNum(st.studies)} · splits: ${
        Object.entries(st.by_split)
          .map(([k, v]) => `${k} ${fmtNum(v)}`)
          .join(' · ') || '-'
      }\n`,
    );
    const maxE = Math.max(0, ...st.top_entities.map(([, c]) => c));
    out.push(
      '### Top entities\n',
      mdTable(
        ['entity', 'pairs', ''],
        st.top_entities.map(([e, c]) => [e, fmtNum(c), textBar(c, maxE)]),
      ),
    );
    const maxL = Math.max(0, ...st.answer_length.map(([, c]) => c));
    out.push(
      '### Answer lengths\n',
      mdTable(
        ['words', 'answers', ''],
        st.answer_length.map(([w, c]) => [w >= 10 ? '10+' : String(w), fmtNum(c), textBar(c, maxL)]),
      ),
    );
  }
  out.push('## Consistency and bias\n', checksMd(d.checks));
  out.push('## Evaluation\n');
  if (!d.evals.length) out.push('No evaluation reports in this run.\n');
  for (const e of d.evals) out.push(`### ${mdCell(e.name)}\n`, evalMd(e.data));
  out.push('## Cycle history\n');
  out.push(
    d.cycles.length
      ? mdTable(
          ['cycle', 'started', 'finished', 'counts'],
          d.cycles.map((c) => [
            String(c.cycle),
            c.startedAt,
            c.finishedAt ?? '(running)',
            Object.entries(c.counts)
              .map(([k, v]) => `${k}=${fmtNum(v)}`)
              .join(' '),
          ]),
        )
      : 'No follow-up cycles.\n',
  );
  out.push('## Steps\n');
  if (!d.steps.length) out.push('No step has run yet.\n');
  d.steps.forEach((s) => {
    out.push(`### [${s.number}] ${mdCell(s.title)} (${mdCell(s.id)}): ${s.status}, ${fmtMs(s.durationMs)}\n`);
    if (s.summary) out.push(`${mdCell(s.summary)}\n`);
    if (s.spend) out.push(`${mdCell(s.spend)}\n`);
    if (s.error) out.push(`error: ${mdCell(s.error)}\n`);
    if (s.warning) out.push(`warning: ${mdCell(s.warning)}\n`);
    if (Object.keys(s.params).length) out.push('```json\n' + JSON.stringify(s.params, null, 2) + '\n```\n');
    if (Object.keys(s.counts).length)
      out.push(
        mdTable(
          ['count', 'value'],
          Object.entries(s.counts).map(([k, v]) => [k, fmtNum(v)]),
        ),
      );
  });
  if (d.skipped.length)
    out.push(
      '### Skipped steps\n',
      mdTable(
        ['step', 'why'],
        d.skipped.map((k) => [`[${k.number}] ${k.title} (${k.id})`, k.reason]),
      ),
    );
  out.push('## Sample QA pairs\n');
  const types = Object.entries(d.samples);
  if (!types.length) out.push('No QA pairs yet.\n');
  for (const [t, ps] of types) {
    out.push(
      `### ${t}\n`,
      mdTable(
        ['study', 'question', 'answer', 'from'],
        ps!.map((p) => [
          p.ref_id ? `${p.study_id} vs ${p.ref_id}` : p.study_id,
          p.question,
          p.answer,
          `${p.provenance.entities.join(', ') || '-'} · ${p.provenance.template}`,
        ]),
      ),
    );
  }
  return out.join('\n');
}
