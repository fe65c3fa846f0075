import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { ExtractionResult, LlmExchange, StudyExchanges } from '../../pipeline/index.js';
import { fmtNum } from '../../present/format.js';

/** One terminal row of the LLM pane; `style` picks its colour. */
export interface PaneLine {
  text: string;
  style?: 'head' | 'selected' | 'dim' | 'add' | 'del' | 'warn' | 'ok';
  /** Index of the exchange whose header this row is. */
  header?: number;
}

const INDENT = '    ';

/** Wrap text to `width` terminal cells (wide characters count double), each row prefixed. */
export function wrapCells(text: string, width: number, prefix = INDENT): string[] {
  const room = Math.max(8, width - stringWidth(prefix));
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      out.push(prefix.trimEnd());
      continue;
    }
    // trim: false keeps indentation (JSON, diffs); the space a row was broken at is dropped instead.
    wrapAnsi(line, room, { hard: true, trim: false })
      .split('\n')
      .forEach((row, i) => out.push(prefix + (i > 0 && row.startsWith(' ') ? row.slice(1) : row)));
  }
  return out;
}

const unknown = 'unknown';

function tokens(e: Pick<LlmExchange, 'usage'>): string {
  if (!e.usage) return `tokens ${unknown}`;
  return `${fmtNum(e.usage.prompt_tokens)} in / ${fmtNum(e.usage.completion_tokens)} out tokens`;
}

function source(e: Pick<LlmExchange, 'cached'>): string {
  if (e.cached === null) return `cache ${unknown}`;
  return e.cached ? 'from the cache' : 'sent';
}

type RequestFacts = Pick<LlmExchange, 'latencyMs' | 'usage' | 'cached'>;

/** Latency, tokens and whether it was sent or answered from the cache, `unknown` where not recorded. */
export function requestFacts(e: RequestFacts): string {
  const latency = e.latencyMs === null ? `latency ${unknown}` : `${fmtNum(Math.round(e.latencyMs))} ms`;
  return `${latency} · ${tokens(e)} · ${source(e)}`;
}

/** The same for a result row as the re-run returns it. */
export function rowFacts(row: ExtractionResult): string {
  const facts = requestFacts({
    latencyMs: row.latency_ms ?? null,
    usage: row.usage ?? null,
    cached: row.cached ?? null,
  });
  return `${facts} · endpoint ${row.endpoint ?? unknown} · attempts ${row.attempts ?? unknown}`;
}

/** The one-row summary of an exchange, shown whether or not it is expanded. */
export function headerText(e: LlmExchange): string {
  if (!e.sent) return `${e.stage} · ${e.status} · not sent`;
  return `${e.stage} · ${e.status} · ${requestFacts(e)}`;
}

function details(e: LlmExchange, width: number): PaneLine[] {
  const out: PaneLine[] = [];
  const dim = (text: string) => out.push(...wrapCells(text, width).map((t) => ({ text: t, style: 'dim' as const })));
  const body = (text: string, style?: PaneLine['style']) =>
    out.push(...wrapCells(text, width, `${INDENT}  `).map((t) => ({ text: t, ...(style ? { style } : {}) })));
  const attempts = e.attempts === null ? unknown : String(e.attempts);
  dim(
    `endpoint ${e.endpoint ?? unknown} · attempts ${attempts} · model ${e.model ?? unknown} · key ${e.requestKey ? e.requestKey.slice(0, 12) : unknown}${e.at ? ` · ${e.at}` : ''}`,
  );
  if (e.followup) {
    const f = e.followup;
    out.push(...wrapCells(`question (${f.polarity}, ${f.entity}): ${f.question}`, width).map((text) => ({ text })));
    out.push(
      ...wrapCells(`record change: ${f.changes.length ? f.changes.join(', ') : 'none'}`, width).map((text) => ({
        text,
        style: f.changes.length ? ('add' as const) : ('dim' as const),
      })),
    );
  }
  if (e.reason) out.push(...wrapCells(`reason: ${e.reason}`, width).map((text) => ({ text, style: 'warn' as const })));
  if (!e.sent) return out;
  const mark = e.check === 'matches' ? ' ✓' : e.check === 'differs' ? ' ✗' : '';
  out.push(
    ...wrapCells(`messages: ${e.messagesNote}${mark}`, width).map((text) => ({
      text,
      style: e.check === 'differs' ? ('warn' as const) : e.check === 'matches' ? ('ok' as const) : ('dim' as const),
    })),
  );
  for (const m of e.messages ?? []) {
    out.push({ text: `${INDENT}── ${m.role} ──`, style: 'head' });
    body(m.content);
  }
  out.push({ text: `${INDENT}reply · ${e.replyNote}`, style: 'head' });
  if (e.reply !== null) body(e.reply);
  if (e.repair) {
    out.push(
      ...wrapCells(`repair: ${e.repair.steps.join('; ')}`, width).map((text) => ({ text, style: 'warn' as const })),
    );
    for (const d of e.repair.diff)
      out.push(
        ...wrapCells(d.text, width, `${INDENT}${d.op} `).map((text) => ({
          text,
          ...(d.op === '+' ? { style: 'add' as const } : d.op === '-' ? { style: 'del' as const } : {}),
        })),
      );
  } else if (e.reply !== null) dim('repair: none needed, or the reply did not parse');
  return out;
}

/** Every exchange as a header row, the selected one expanded beneath its header. */
export function paneLines(data: StudyExchanges, selected: number, width: number): PaneLine[] {
  const out: PaneLine[] = [];
  for (const t of wrapCells(data.note, width, '')) out.push({ text: t, style: 'dim' });
  data.exchanges.forEach((e, i) => {
    const open = i === selected;
    wrapCells(headerText(e), width, '  ').forEach((text, row) =>
      out.push({
        text: row === 0 ? `${open ? '▾' : '▸'}${text.slice(1)}` : text,
        style: open ? 'selected' : undefined,
        ...(row === 0 ? { header: i } : {}),
      }),
    );
    if (open) out.push(...details(e, width));
  });
  return out;
}
