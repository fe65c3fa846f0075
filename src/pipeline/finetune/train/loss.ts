/**
 * Training loss from LLaMA-Factory / HF Trainer output.
 *
 * Two kinds of lines matter: tqdm progress (`  3%|▎ | 10/300 [00:05<02:30,
 * 1.93it/s]`, on stderr with carriage returns) and the trainer's log dict
 * (`{'loss': 1.2345, 'grad_norm': 0.81, 'learning_rate': 0.0009, 'epoch': 0.1}`
 * on stdout; newer transformers quote the numbers). The dict carries no step,
 * and the two streams arrive through separate pipes, so the last bar seen is
 * not a reliable step. The Trainer logs exactly when global_step is a multiple
 * of logging_steps, so each dict is the next multiple after the previous one
 * (after the checkpoint step when resuming). `trainer_log.jsonl` in the output
 * folder (LLaMA-Factory's callback) has the exact steps and is used for the chart.
 */

export interface LossPoint {
  step: number;
  loss: number;
  epoch: number | null;
  learningRate: number | null;
}

const NUM = String.raw`'?(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)'?`;
const LOSS_RE = new RegExp(String.raw`(?:^|[{,]\s*)'loss':\s*${NUM}`);
const EPOCH_RE = new RegExp(String.raw`'epoch':\s*${NUM}`);
const LR_RE = new RegExp(String.raw`'learning_rate':\s*${NUM}`);
// The trainer's bar has no description; "Converting format of dataset: 100%|…| 12/12" and the like are not steps.
const PROGRESS_RE = /^\s*\d+%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[/;

export function isTrainProgressLine(line: string): boolean {
  return PROGRESS_RE.test(line);
}

export class LossParser {
  private lastStep: number | null = null;
  private lastLogged: number;
  total: number | null = null;

  constructor(
    private readonly loggingSteps = 10,
    /** The step training resumes from (0 for a fresh run). */
    startStep = 0,
  ) {
    this.lastLogged = startStep;
  }

  /** Feed one output line; returns a point when the line is a loss log. */
  feed(line: string): LossPoint | null {
    const prog = PROGRESS_RE.exec(line);
    if (prog) {
      this.lastStep = Number(prog[1]);
      this.total = Number(prog[2]);
    }
    const m = LOSS_RE.exec(line);
    if (!m) return null;
    const loss = Number(m[1]);
    if (!Number.isFinite(loss)) return null;
    const step = (Math.floor(this.lastLogged / this.loggingSteps) + 1) * this.loggingSteps;
    this.lastLogged = step;
    const epoch = EPOCH_RE.exec(line);
    const lr = LR_RE.exec(line);
    return {
      step,
      loss,
      epoch: epoch ? Number(epoch[1]) : null,
      learningRate: lr ? Number(lr[1]) : null,
    };
  }

  get progress(): { step: number; total: number } | null {
    return this.lastStep !== null && this.total !== null ? { step: this.lastStep, total: this.total } : null;
  }
}

/** Parse the whole text of a log (tests, and re-reading a log after a restart). */
export function parseLossLog(text: string, loggingSteps = 10): LossPoint[] {
  const p = new LossParser(loggingSteps);
  const out: LossPoint[] = [];
  for (const line of text.split(/\r\n|\n|\r/)) {
    const pt = p.feed(line);
    if (pt) out.push(pt);
  }
  return out;
}

/** LLaMA-Factory's `trainer_log.jsonl`: `{current_steps, total_steps, loss, lr, epoch, ...}` per logging step. */
export function parseTrainerLog(text: string): LossPoint[] {
  const byStep = new Map<number, LossPoint>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn last line while training is still writing
    }
    const step = Number(rec.current_steps);
    const loss = Number(rec.loss);
    if (!Number.isFinite(step) || rec.loss === undefined || rec.loss === null || !Number.isFinite(loss)) continue;
    // A resumed run logs the steps after the checkpoint again; the later line wins.
    byStep.set(step, {
      step,
      loss,
      epoch: typeof rec.epoch === 'number' ? rec.epoch : null,
      learningRate: typeof rec.lr === 'number' ? rec.lr : null,
    });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
