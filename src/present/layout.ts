/**
 * Plain-text layout for terminal output of a given width (`status`, `stats`): hanging-indent wrapping and
 * tables that drop their least needed columns rather than overflow. Cells are measured in code points:
 * the text here is the pipeline's own (ASCII, box and arrow glyphs), all one cell wide.
 */

/**
 * The width to lay plain output out for: COLUMNS when set, else the terminal's width; unlimited when
 * neither says (piped into grep or a file, one line per fact reads best).
 */
export function outputWidth(
  env: NodeJS.ProcessEnv = process.env,
  stream: { columns?: number; isTTY?: boolean } = process.stdout,
): number {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(fromEnv) && fromEnv >= 20) return fromEnv;
  if (stream.isTTY) return stream.columns && stream.columns >= 20 ? stream.columns : 80;
  return Infinity;
}

export function cells(text: string): number {
  return [...text].length;
}

/**
 * `text` wrapped at spaces to `width`, continuation lines starting with `indent` spaces. A word longer than
 * a line (a long path) is cut across lines rather than left to overflow.
 */
export function wrapHanging(text: string, width: number, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  // The first line keeps its own leading spaces.
  const lead = /^ */.exec(text)![0];
  let line = lead;
  const room = () => width - cells(line);
  for (const word of text.slice(lead.length).split(' ')) {
    const sep = line.trim() === '' ? '' : ' ';
    if (cells(sep + word) <= room()) {
      line += sep + word;
      continue;
    }
    if (line.trim() !== '') {
      lines.push(line);
      line = pad;
    }
    let rest = [...word];
    while (rest.length > room()) {
      const take = Math.max(1, room());
      lines.push(line + rest.slice(0, take).join(''));
      line = pad;
      rest = rest.slice(take);
    }
    line += rest.join('');
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
}

export interface FitTable {
  lines: string[];
  /** Columns left out to fit the width (say so under the table). */
  dropped: string[];
}

/**
 * A table whose first column is left-aligned and the others right-aligned, two spaces apart. When it is wider
 * than `width`, the `droppable` columns go, in the order given, until it fits.
 */
export function fitTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  width: number,
  droppable: readonly string[] = [],
): FitTable {
  let keep = header.map((_, i) => i);
  const dropped: string[] = [];
  const render = () => {
    const widths = keep.map((i) => Math.max(cells(header[i]!), ...rows.map((r) => cells(r[i] ?? ''))));
    const line = (row: readonly string[]) =>
      keep
        .map((i, k) => {
          const c = row[i] ?? '';
          const gap = ' '.repeat(Math.max(0, widths[k]! - cells(c)));
          return k === 0 ? c + gap : gap + c;
        })
        .join('  ')
        .trimEnd();
    return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  };
  let lines = render();
  for (const name of droppable) {
    if (Math.max(...lines.map(cells)) <= width) break;
    const i = header.indexOf(name);
    if (i < 0) continue;
    keep = keep.filter((k) => k !== i);
    dropped.push(name);
    lines = render();
  }
  return { lines, dropped };
}
