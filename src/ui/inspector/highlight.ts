export interface Span {
  start: number;
  end: number;
  kind: 'selected' | 'evidence';
}

export interface Segment {
  text: string;
  selected: boolean;
  evidence: boolean;
}

/** Break text into display lines of at most `width` chars, as [start, end) offsets into the text. */
export function layoutLines(text: string, width: number): Array<[number, number]> {
  const w = Math.max(10, width);
  const out: Array<[number, number]> = [];
  let lineStart = 0;
  const pushWrapped = (s: number, e: number) => {
    if (e === s) out.push([s, e]);
    while (s < e) {
      let cut = Math.min(e, s + w);
      if (cut < e) {
        const sp = text.lastIndexOf(' ', cut);
        if (sp > s) cut = sp + 1;
      }
      out.push([s, cut]);
      s = cut;
    }
  };
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '\n') {
      pushWrapped(lineStart, i);
      lineStart = i + 1;
    }
  }
  return out;
}

/** Split [start, end) of the text into runs with the same highlighting. */
export function segments(text: string, start: number, end: number, spans: readonly Span[]): Segment[] {
  const cuts = new Set<number>([start, end]);
  for (const sp of spans) {
    if (sp.start > start && sp.start < end) cuts.add(sp.start);
    if (sp.end > start && sp.end < end) cuts.add(sp.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const inside = (kind: Span['kind']) => spans.some((sp) => sp.kind === kind && sp.start <= a && sp.end >= b);
    out.push({ text: text.slice(a, b).replace(/\r/g, ''), selected: inside('selected'), evidence: inside('evidence') });
  }
  return out;
}

/** Highlight spans of a report: its selected section and every evidence span of the reference. */
export function reportSpans(report: Record<string, unknown> | null, reference: Record<string, unknown> | null): Span[] {
  const spans: Span[] = [];
  if (
    report &&
    typeof report.selected === 'string' &&
    typeof report.selected_offset === 'number' &&
    report.selected_offset >= 0
  ) {
    spans.push({
      start: report.selected_offset,
      end: report.selected_offset + report.selected.length,
      kind: 'selected',
    });
  }
  const visit = (ev: unknown) => {
    if (!Array.isArray(ev)) return;
    for (const e of ev) {
      const o = e as { start?: unknown; end?: unknown };
      if (typeof o.start === 'number' && typeof o.end === 'number' && o.start >= 0 && o.end > o.start)
        spans.push({ start: o.start, end: o.end, kind: 'evidence' });
    }
  };
  if (reference) {
    const ent = reference.entity as Record<string, { evidence?: unknown }> | undefined;
    for (const e of Object.values(ent ?? {})) visit(e?.evidence);
    for (const key of ['no_entity_evidence', 'uncertain_evidence']) {
      for (const ev of Object.values((reference[key] as Record<string, unknown>) ?? {})) visit(ev);
    }
  }
  return spans;
}
