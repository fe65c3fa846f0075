import type { StepEngine } from '../pipeline/index.js';
import { fmtNum, formatDuration } from './format.js';

/**
 * The engine line of a step (notebook cell, `status`): which engine carries its LLM
 * requests and, for the offline engines, where the remote work stands and what the
 * user does next. Tone lets each front end colour it without reading the words.
 */
export interface EngineView {
  /** `live endpoints`, `Batch API`, `shards (vllm run-batch)`. */
  label: string;
  /** `running 1,200/5,000 · batch_abc · polled 3m ago`; null for live endpoints. */
  remote: string | null;
  next: string | null;
  /** Short form for a notebook row: `live`, `batch running 1,200/5,000`. */
  tag: string;
  tone: 'normal' | 'active' | 'warn' | 'done';
}

const LABEL: Record<StepEngine['engine'], string> = {
  live: 'live endpoints',
  batch: 'Batch API',
  shards: 'shards (vllm run-batch)',
};

type Remote = NonNullable<StepEngine['remote']>;

function progressWord(r: Remote): string {
  const counts = `${fmtNum(r.done)}/${fmtNum(r.total)}`;
  return r.state === 'running' || r.state === 'expired' || r.state === 'failed' ? `${r.state} ${counts}` : r.state;
}

function nextStep(e: StepEngine & { remote: Remote }, stepDone: boolean): string | null {
  const { remote: r } = e;
  const missing = fmtNum(Math.max(0, r.total - r.done));
  const dir = r.id ?? 'DIR';
  if (e.engine === 'batch')
    switch (r.state) {
      case 'submitted':
      case 'running':
        return 'wait; `cxrvqa run` (r) resumes polling, nothing is sent again';
      case 'done':
        return stepDone ? null : '`cxrvqa run` (r) imports the results';
      case 'expired':
        return `\`cxrvqa run\` (r) resubmits the ${missing} requests without an answer`;
      case 'failed':
        return `read the step log; \`cxrvqa run\` (r) resubmits the ${missing} requests without an answer`;
    }
  switch (r.state) {
    case 'submitted':
      return `start the jobs in ${dir} (its sbatch or shell script), then \`cxrvqa import ${dir}\``;
    case 'running':
      return `\`cxrvqa import ${dir}\` takes the finished shards; again when the rest finish`;
    case 'done':
      return stepDone ? null : `\`cxrvqa import ${dir}\``;
    case 'expired':
    case 'failed':
      return `\`cxrvqa shard --missing-from ${dir}\` writes the ${missing} missing requests as new shards`;
  }
}

export function engineView(e: StepEngine, opts: { stepDone: boolean; now?: number }): EngineView {
  if (!e.remote) return { label: LABEL[e.engine], remote: null, next: null, tag: e.engine, tone: 'normal' };
  const r = e.remote;
  const age = ((opts.now ?? Date.now()) - Date.parse(r.updatedAt)) / 1000;
  const seen = Number.isFinite(age)
    ? `${e.engine === 'batch' ? 'polled' : 'checked'} ${formatDuration(Math.max(0, age))} ago`
    : null;
  const word = progressWord(r);
  return {
    label: LABEL[e.engine],
    remote: [word, r.id, seen].filter(Boolean).join(' · '),
    next: nextStep({ ...e, remote: r }, opts.stepDone),
    tag: `${e.engine} ${word}`,
    tone: r.state === 'expired' || r.state === 'failed' ? 'warn' : r.state === 'done' ? 'done' : 'active',
  };
}

/** The whole line, as `status` prints it and the cell view shows it. */
export function engineLine(v: EngineView): string {
  return [`engine: ${v.label}`, v.remote, v.next ? `next: ${v.next}` : null].filter(Boolean).join(' · ');
}
