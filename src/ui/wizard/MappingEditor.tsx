import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { type CorpusPreview, MAPPED_FIELDS, previewProblems, splitColumns } from '../../pipeline/index.js';
import { LineInput } from '../components/LineInput.js';
import { useKeys } from '../components/useKeys.js';
import { useLiveState } from '../components/useLiveState.js';

type MappedField = (typeof MAPPED_FIELDS)[number]['field'];
/** Field → columns as typed (`a,b`); '' means no column. */
export type MappingDraft = Record<MappedField, string>;

/** The draft a file starts from: the stored mapping where there is one, else the guess from its header. */
export function initialDraft(preview: CorpusPreview, stored: Readonly<Record<string, string>> = {}): MappingDraft {
  const out = {} as MappingDraft;
  for (const { field } of MAPPED_FIELDS) {
    const set = stored[field];
    out[field] = set === '-' ? '' : (set ?? preview.guess[field]?.join(',') ?? '');
  }
  return out;
}

/**
 * The mapping as the run stores it: every field that has columns, and `-` for a
 * field the header's guess would fill but the person left empty.
 */
export function draftToColumns(preview: CorpusPreview, draft: MappingDraft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { field } of MAPPED_FIELDS) {
    if (draft[field]) out[field] = draft[field];
    else if (preview.guess[field]?.length) out[field] = '-';
  }
  return out;
}

/** Typed names matched to the header's spelling (case and spaces forgiven); unknown names come back as typed. */
function canonical(preview: CorpusPreview, typed: string): string {
  return splitColumns(typed)
    .map(
      (t) =>
        preview.header.find((h) => h === t) ?? preview.header.find((h) => h.toLowerCase() === t.toLowerCase()) ?? t,
    )
    .join(',');
}

const oneLine = (s: string, width: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > width ? flat.slice(0, Math.max(0, width - 1)) + '…' : flat;
};

export interface MappingEditorProps {
  preview: CorpusPreview;
  file: string;
  initial: MappingDraft;
  focus: boolean;
  columns?: number;
  onSubmit: (columns: Record<string, string>) => void;
  onBack: () => void;
  /** Tells the host a field is being typed in (so its own keys, like q, stay off). */
  onTyping?: (on: boolean) => void;
}

/**
 * Column mapping for a person's own CSV/JSONL: the file's columns, its first row,
 * and one line per field with the guess filled in. ↑↓ choose, Enter edits a field
 * (or, on the last line, uses the mapping), Esc goes back.
 */
export function MappingEditor({
  preview,
  file,
  initial,
  focus,
  columns = 80,
  onSubmit,
  onBack,
  onTyping,
}: MappingEditorProps) {
  const rows = MAPPED_FIELDS.length + 1;
  const [draft, setDraft, liveDraft] = useLiveState<MappingDraft>(initial);
  // Start on "use this mapping": Enter alone accepts the guesses.
  const [cursor, setCursor, liveCursor] = useLiveState<number>(MAPPED_FIELDS.length);
  const [editing, setEditing, liveEditing] = useLiveState<MappedField | null>(null);
  const [error, setError] = useState<string | null>(null);

  const edit = (on: MappedField | null) => {
    setEditing(on);
    onTyping?.(on !== null);
  };
  const submitAll = () => {
    const mapping = draftToColumns(preview, liveDraft());
    const problems = previewProblems(preview, mapping);
    if (problems.length)
      return setError(`${problems.join('; ')}. Columns in ${file}: ${preview.header.map((h) => `"${h}"`).join(', ')}`);
    setError(null);
    onSubmit(mapping);
  };
  const submitField = (field: MappedField, typed: string) => {
    const value = canonical(preview, typed);
    const missing = splitColumns(value).filter((c) => !preview.header.includes(c));
    if (missing.length)
      return setError(
        `${file} has no column ${missing.map((m) => `"${m}"`).join(', ')}. Columns: ${preview.header.map((h) => `"${h}"`).join(', ')}`,
      );
    setError(null);
    setDraft((d) => ({ ...d, [field]: value }));
    edit(null);
  };

  useKeys(
    (input, key) => {
      if (liveEditing() !== null) {
        if (key.escape) edit(null);
        return;
      }
      if (key.escape) return onBack();
      if (key.upArrow || input === 'k') setCursor((c) => (c + rows - 1) % rows);
      else if (key.downArrow || input === 'j' || key.tab) setCursor((c) => (c + 1) % rows);
      else if (key.return) {
        const at = liveCursor();
        if (at === MAPPED_FIELDS.length) return submitAll();
        setError(null);
        edit(MAPPED_FIELDS[at]!.field);
      }
    },
    { isActive: focus },
  );

  const row = preview.row ?? {};
  const sample = (cols: string) =>
    splitColumns(cols)
      .map((c) => row[c] ?? '')
      .filter(Boolean)
      .join(' · ');
  const labelWidth = 20;
  const colWidth = 18;
  const sampleWidth = Math.max(10, columns - labelWidth - colWidth - 8);
  return (
    <Box flexDirection="column">
      <Text bold>Map the columns of {file}</Text>
      <Text wrap="truncate-end">
        <Text dimColor>columns: </Text>
        {preview.header.join(', ')}
      </Text>
      <Text dimColor>
        {preview.row ? 'field                column(s)          first row' : 'the file has no row to preview'}
      </Text>
      {MAPPED_FIELDS.map(({ field, label, required }, i) => {
        const selected = i === cursor;
        const value = draft[field];
        return (
          <Box key={field}>
            <Text inverse={selected && editing === null}>
              {selected ? '▸ ' : '  '}
              {(label + (required ? ' *' : '')).padEnd(labelWidth - 2)}
            </Text>
            <Text> </Text>
            {editing === field ? (
              <LineInput
                initial={value}
                focus={focus}
                onSubmit={(v) => submitField(field, v)}
                placeholder="column name(s), a,b · empty: none"
              />
            ) : (
              <>
                <Text color={value ? undefined : 'gray'}>{oneLine(value || '—', colWidth - 1).padEnd(colWidth)}</Text>
                <Text dimColor>{oneLine(value ? sample(value) : '', sampleWidth)}</Text>
              </>
            )}
          </Box>
        );
      })}
      <Text inverse={cursor === MAPPED_FIELDS.length && editing === null}>
        {cursor === MAPPED_FIELDS.length ? '▸ ' : '  '}use this mapping
      </Text>
      <Text dimColor>
        {editing
          ? 'Enter keeps the column(s) · Esc leaves them'
          : '↑↓ choose · Enter edits a field or uses the mapping · * required'}
      </Text>
      {error ? <Text color="red">{error}</Text> : null}
    </Box>
  );
}
