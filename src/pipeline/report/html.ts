import type { DatasetStats } from '../questions/stats.js';
import { barChart } from './chart.js';
import type { RunReportData, SkippedStep, StepReport } from './collect.js';
import { esc, fmtMs, fmtNum, fmtPct } from './escape.js';
import { evalHtml } from './evalTables.js';
import { checksHtml } from './checks.js';

const CSS = `
body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}h4,h5,h6{font-size:13px;margin:12px 0 4px}
.cell{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:12px 14px;margin:10px 0}
.cell .hd{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.badge{font-size:12px;padding:1px 7px;border-radius:9px;background:#e6e9ef}
.done{background:#d9f2e0;color:#145a2b}.failed{background:#fadcdc;color:#8a1c1c}.interrupted,.running{background:#fdf0cf;color:#6b4e00}
.warning{background:#ffe3c2;color:#7a3a00}.stale{background:#fff6c8;color:#5c4d00}
.muted{color:#687084}table{border-collapse:collapse;margin:6px 0;font-size:13px}
th,td{border:1px solid #e1e4ea;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f0f2f5;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f3f4f7;padding:8px;border-radius:4px;overflow:auto;font-size:12px;margin:6px 0}
.chart text{font:12px -apple-system,Segoe UI,Helvetica,Arial,sans-serif;fill:#1d2330}.chart .vl{fill:#4a5163}
nav a{margin-right:12px}
`;

const RUN_COLOR = '#3f6fd8';
const RELEASE_COLOR = '#b0b8c8';

function counts(c: Record<string, number>): string {
  const e = Object.entries(c);
  if (!e.length) return '';
  return `<table><tbody>${e.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="n">${esc(fmtNum(v))}</td></tr>`).join('')}</tbody></table>`;
}

function stepCell(s: StepReport): string {
  return `<div class="cell" id="step-${esc(s.id)}"><div class="hd"><h3>[${s.number}] ${esc(s.title)} <span class="muted">(${esc(s.id)})</span></h3>
<span class="badge ${esc(s.status)}">${esc(s.status)}</span><span class="muted">${esc(fmtMs(s.durationMs))}${s.finishedAt ? ` · finished ${esc(s.finishedAt)}` : ''}</span></div>
${s.summary ? `<p>${esc(s.summary)}</p>` : ''}${s.spend ? `<p class="muted">${esc(s.spend)}</p>` : ''}${s.error ? `<p class="failed">error: ${esc(s.error)}</p>` : ''}${s.warning ? `<p class="warning">warning: ${esc(s.warning)}</p>` : ''}
<details${Object.keys(s.params).length ? ' open' : ''}><summary>params</summary><pre>${esc(JSON.stringify(s.params, null, 2))}</pre></details>
${counts(s.counts)}</div>`;
}

function statsSection(st: DatasetStats): string {
  const rows = st.by_type
    .map(
      (
        t,
      ) => `<tr><td>${esc(t.type)}</td><td class="n">${fmtNum(t.count)}</td><td class="n">${fmtPct(t.share)}</td><td class="n">${fmtNum(t.open)}</td><td class="n">${fmtNum(t.closed)}</td>
<td class="n">${t.closed ? fmtPct(t.yes_share) : '-'}</td><td class="n">${t.closed ? fmtPct(t.no_share) : '-'}</td><td class="n">${fmtNum(t.subjects)}</td><td class="n">${fmtNum(t.answer_vocab)}</td>
<td class="n">${fmtNum(t.release_count)}</td><td class="n">${fmtPct(t.release_share)}</td></tr>`,
    )
    .join('');
  const typeChart = barChart(
    st.by_type.map((t) => ({
      label: t.type,
      values: [t.share, t.release_share ?? 0],
      texts: [
        `${fmtNum(t.count)} (${fmtPct(t.share)})`,
        t.release_count === null ? '-' : `${fmtNum(t.release_count)} (${fmtPct(t.release_share)})`,
      ],
    })),
    [
      { name: 'this run', color: RUN_COLOR },
      { name: 'released dataset', color: RELEASE_COLOR },
    ],
    { title: 'QA pairs per type: this run beside the release (share of all pairs)' },
  );
  const entityChart = st.top_entities.length
    ? barChart(
        st.top_entities.map(([e, c]) => ({ label: e, values: [c] })),
        [{ name: 'pairs', color: RUN_COLOR }],
        { title: 'Top entities behind QA pairs' },
      )
    : '<p class="muted">(no entity-based pairs)</p>';
  const lenChart = barChart(
    st.answer_length.map(([w, c]) => ({
      label: w >= 10 ? '10+ words' : `${w} word${w === 1 ? '' : 's'}`,
      values: [c],
    })),
    [{ name: 'answers', color: RUN_COLOR }],
    { title: 'Answer length distribution' },
  );
  return `<table><thead><tr><th>type</th><th>count</th><th>share</th><th>open</th><th>closed</th><th>yes</th><th>no</th><th>subjects</th><th>answer vocab</th><th>release</th><th>release share</th></tr></thead>
<tbody>${rows}<tr><th>total</th><td class="n">${fmtNum(st.total)}</td><td></td><td></td><td></td><td></td><td></td><td class="n">${fmtNum(st.subjects)}</td><td class="n">${fmtNum(st.answer_vocab)}</td><td class="n">${fmtNum(st.release.total)}</td><td></td></tr></tbody></table>
<p class="muted">Studies ${fmtNum(st.studies)} · splits: ${esc(
    Object.entries(st.by_split)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(' · ') || '-',
  )} · yes/no shares are among each type's closed questions · release: PhysioNet medical-cxr-vqa-dataset 1.0.0.</p>
<h3>Per type, beside the release</h3>${typeChart}
<h3>Top entities</h3>${entityChart}
<h3>Answer lengths</h3>${lenChart}
<h3>Top answers</h3><p>${esc(st.top_answers.map(([a, c]) => `${a} (${fmtNum(c)})`).join(', '))}</p>`;
}

function skippedList(skipped: readonly SkippedStep[]): string {
  if (!skipped.length) return '';
  return `<h3>Skipped steps</h3><table><thead><tr><th>step</th><th>why</th></tr></thead><tbody>${skipped
    .map(
      (k) =>
        `<tr><td>[${k.number}] ${esc(k.title)} <span class="muted">(${esc(k.id)})</span></td><td>${esc(k.reason)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

/** What the run made comes first (statistics and charts, checks, evaluation); how it was made (the steps) after. */
export function renderHtml(d: RunReportData): string {
  const sections: string[] = [];
  sections.push(
    `<h2 id="stats">Dataset statistics</h2>${d.stats ? statsSection(d.stats) : '<p class="muted">No questions yet (run the questions step).</p>'}`,
  );
  sections.push(`<h2 id="checks">Consistency and bias</h2>${checksHtml(d.checks)}`);
  sections.push(
    `<h2 id="eval">Evaluation</h2>${d.evals.length ? d.evals.map((e) => `<div class="cell"><h3>${esc(e.name)}</h3>${evalHtml(e.data)}</div>`).join('') : '<p class="muted">No evaluation reports in this run.</p>'}`,
  );
  sections.push(
    `<h2 id="cycles">Cycle history</h2>${
      d.cycles.length
        ? `<table><thead><tr><th>cycle</th><th>started</th><th>finished</th><th>counts</th></tr></thead><tbody>${d.cycles
            .map(
              (c) =>
                `<tr><td class="n">${c.cycle}</td><td>${esc(c.startedAt)}</td><td>${esc(c.finishedAt ?? '(running)')}</td><td>${esc(
                  Object.entries(c.counts)
                    .map(([k, v]) => `${k}=${fmtNum(v)}`)
                    .join(' '),
                )}</td></tr>`,
            )
            .join('')}</tbody></table>`
        : '<p class="muted">No follow-up cycles.</p>'
    }`,
  );
  sections.push(
    `<h2 id="steps">Steps</h2>${d.steps.length ? d.steps.map(stepCell).join('\n') : '<p class="muted">No step has run yet.</p>'}${skippedList(d.skipped)}`,
  );
  const types = Object.entries(d.samples);
  sections.push(
    `<h2 id="samples">Sample QA pairs</h2>${
      types.length
        ? types
            .map(
              ([t, ps]) =>
                `<h3>${esc(t)}</h3><table><thead><tr><th>study</th><th>question</th><th>answer</th><th>from</th></tr></thead><tbody>${ps!
                  .map(
                    (p) =>
                      `<tr><td>${esc(p.study_id)}${p.ref_id ? ` <span class="muted">vs ${esc(p.ref_id)}</span>` : ''}</td><td>${esc(p.question)}</td><td>${esc(p.answer)}</td><td class="muted">${esc(p.provenance.entities.join(', ') || '-')} · ${esc(p.provenance.template)} · cycle ${p.provenance.source_cycle}</td></tr>`,
                  )
                  .join('')}</tbody></table>`,
            )
            .join('')
        : '<p class="muted">No QA pairs yet.</p>'
    }`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>cxrvqa run report: ${esc(d.dir)}</title><style>${CSS}</style></head>
<body><main>
<h1>cxrvqa run report</h1>
<p class="muted">${esc(d.dir)} · cxrvqa ${esc(d.toolVersion)} · created ${esc(d.createdAt)} · updated ${esc(d.updatedAt)}</p>
<p>corpus: ${esc(d.corpus)} · backend: ${esc(d.backend)}</p>
<nav><a href="#stats">Statistics</a><a href="#checks">Checks</a><a href="#eval">Evaluation</a><a href="#cycles">Cycles</a><a href="#steps">Steps</a><a href="#samples">Samples</a></nav>
${sections.join('\n')}
</main></body></html>
`;
}
