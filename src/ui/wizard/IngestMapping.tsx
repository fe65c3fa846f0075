import path from 'node:path';
import { Text } from 'ink';
import React, { useEffect, useState } from 'react';
import { type CorpusConfig, type CorpusPreview, previewCorpusFile } from '../../pipeline/index.js';
import { useKeys } from '../components/useKeys.js';
import { initialDraft, MappingEditor } from './MappingEditor.js';

/** The corpus kinds whose columns a person maps. */
export function hasColumnMapping(corpus: CorpusConfig | null): corpus is CorpusConfig & { kind: 'csv' | 'jsonl' } {
  return corpus?.kind === 'csv' || corpus?.kind === 'jsonl';
}

/**
 * The ingest cell's column mapping: the wizard's editor on the run's corpus file,
 * starting from the stored mapping. `save` returns a refusal to show, or null.
 */
export function IngestMapping({
  corpus,
  focus,
  columns,
  save,
  onClose,
}: {
  corpus: CorpusConfig & { kind: 'csv' | 'jsonl' };
  focus: boolean;
  columns: number;
  save: (columns: Record<string, string>) => Promise<string | null>;
  onClose: (saved: boolean) => void;
}) {
  const [preview, setPreview] = useState<CorpusPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    previewCorpusFile(corpus.path, corpus.kind).then(setPreview, (err: Error) => setError(err.message));
  }, [corpus.path, corpus.kind]);
  // Until the file is read (or when it cannot be), Esc still leaves.
  useKeys(
    (_input, key) => {
      if (key.escape) onClose(false);
    },
    { isActive: focus && preview === null },
  );
  if (error) return <Text color="red">{error} (Esc goes back)</Text>;
  if (!preview) return <Text dimColor>reading {path.basename(corpus.path)}…</Text>;
  return (
    <>
      <MappingEditor
        preview={preview}
        file={path.basename(corpus.path)}
        initial={initialDraft(preview, corpus.columns)}
        focus={focus}
        columns={columns}
        onBack={() => onClose(false)}
        onSubmit={(mapping) => void save(mapping).then((refused) => (refused ? setError(refused) : onClose(true)))}
      />
      <Text dimColor>Esc leaves the mapping as it was</Text>
    </>
  );
}
