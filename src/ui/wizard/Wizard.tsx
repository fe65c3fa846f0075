import { Box, Text, useStdin } from 'ink';
import React, { useState } from 'react';
import path from 'node:path';
import {
  type CorpusConfig,
  corpusConfigFrom,
  type CorpusPreview,
  EndpointSchema,
  previewCorpusFile,
} from '../../pipeline/index.js';
import { LineInput } from '../components/LineInput.js';
import { KeyHubProvider, useKeys } from '../components/useKeys.js';
import { useLiveState } from '../components/useLiveState.js';
import { initialDraft, MappingEditor } from './MappingEditor.js';

export interface WizardResult {
  corpus: CorpusConfig;
  backend: 'rules' | 'llm';
  /** LLM settings typed in the wizard (endpoint and model); absent: configure later with `cxrvqa llm`. */
  llm?: { endpoints: Array<{ url: string }>; model: string };
  runDir: string;
}

const CORPORA = [
  { id: 'sample', label: 'the bundled sample (synthetic, offline)' },
  { id: 'mimic', label: 'a MIMIC-CXR files/ tree' },
  { id: 'csv', label: 'a CSV file (one report per row)' },
  { id: 'jsonl', label: 'a JSONL file' },
] as const;
const BACKENDS = [
  { id: 'rules', label: 'rules (offline, no model)' },
  { id: 'llm', label: 'LLM endpoints (OpenAI-compatible)' },
] as const;

type Kind = (typeof CORPORA)[number]['id'];
type Stage = 'corpus' | 'path' | 'mapping' | 'metadata' | 'backend' | 'endpoint' | 'model' | 'run';
const TEXT_STAGES: ReadonlySet<Stage> = new Set(['path', 'metadata', 'endpoint', 'model', 'run']);

export interface WizardProps {
  onDone: (r: WizardResult) => void;
  onCancel: () => void;
  defaultRunDir?: string;
  /** Terminal width, for the mapping table. */
  columns?: number;
}

/** The wizard is its own ink root, so it brings its own key hub. */
export function Wizard(props: WizardProps) {
  return (
    <KeyHubProvider onKey={() => {}}>
      <WizardBody {...props} />
    </KeyHubProvider>
  );
}

function WizardBody({ onDone, onCancel, defaultRunDir = 'runs/default', columns = 80 }: WizardProps) {
  const { isRawModeSupported } = useStdin();
  const [stage, setStage, liveStage] = useLiveState<Stage>('corpus');
  const [choice, setChoice, liveChoice] = useLiveState(0);
  const [kind, setKind, liveKind] = useLiveState<Kind>('sample');
  const [corpusPath, setCorpusPath] = useState('');
  const [metadata, setMetadata] = useState('');
  const [corpus, setCorpus] = useState<CorpusConfig | null>(null);
  const [preview, setPreview] = useState<CorpusPreview | null>(null);
  const [backend, setBackend] = useState<'rules' | 'llm'>('rules');
  const [endpoint, setEndpoint] = useState('');
  const [model, setModel] = useState('');
  const [runDir, setRunDir] = useState(defaultRunDir);
  const [error, setError] = useState<string | null>(null);

  const go = (next: Stage) => {
    setError(null);
    setStage(next);
    setChoice(0);
  };
  const resolveCorpus = (k: Kind, p: string, meta: string): CorpusConfig | null => {
    try {
      const c = corpusConfigFrom(
        k === 'sample' ? { sample: true } : { corpus: p, format: k, metadata: meta || undefined },
      );
      if (!c) throw new Error('enter a path');
      return c;
    } catch (err) {
      setError((err as Error).message);
      return null;
    }
  };
  const back: Record<Stage, () => void> = {
    corpus: onCancel,
    path: () => go('corpus'),
    metadata: () => go('path'),
    mapping: () => go('path'),
    backend: () => go(liveKind() === 'sample' ? 'corpus' : liveKind() === 'mimic' ? 'metadata' : 'mapping'),
    endpoint: () => go('backend'),
    model: () => go('endpoint'),
    run: () => go(backend === 'llm' ? 'endpoint' : 'backend'),
  };

  useKeys(
    (input, key) => {
      const st = liveStage();
      if (key.ctrl && input === 'c') return onCancel();
      // The mapping editor has its own keys (a field name may well contain a q).
      if (st === 'mapping') return;
      if (!TEXT_STAGES.has(st) && input === 'q') return onCancel();
      if (key.escape) return back[st]();
      if (TEXT_STAGES.has(st)) return;
      const options = st === 'corpus' ? CORPORA.length : BACKENDS.length;
      if (key.upArrow || input === 'k') setChoice((c) => (c + options - 1) % options);
      else if (key.downArrow || input === 'j') setChoice((c) => (c + 1) % options);
      else if (key.return && st === 'corpus') {
        const k = CORPORA[liveChoice()]!.id;
        setKind(k);
        if (k !== 'sample') return go('path');
        const c = resolveCorpus('sample', '', '');
        if (c) {
          setCorpus(c);
          setRunDir((d) => (d === 'runs/default' ? 'runs/sample' : d));
          go('backend');
        }
      } else if (key.return && st === 'backend') {
        const b = BACKENDS[liveChoice()]!.id;
        setBackend(b);
        go(b === 'llm' ? 'endpoint' : 'run');
      }
    },
    { isActive: isRawModeSupported },
  );

  const field = (label: string, initial: string, onChange: (v: string) => void, onSubmit: (v: string) => void) => (
    <Box>
      <Text>{label} </Text>
      <LineInput
        initial={initial}
        onChange={onChange}
        onSubmit={(v) => onSubmit(v.trim())}
        focus={isRawModeSupported}
      />
    </Box>
  );
  const finish = (dir: string) => {
    if (!dir) return setError('enter a folder');
    if (!corpus) return;
    onDone({
      corpus,
      backend,
      runDir: dir,
      ...(backend === 'llm' && endpoint ? { llm: { endpoints: [{ url: endpoint }], model } } : {}),
    });
  };

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>New cxrvqa run</Text>
      <Text dimColor>Esc goes back · q cancels</Text>
      <Text> </Text>
      {stage === 'corpus' ? (
        <Choice title="1/3 Corpus" options={CORPORA} choice={choice} />
      ) : (
        <Text wrap="truncate-middle">
          corpus: {corpus ? `${corpus.kind}${corpus.kind === 'sample' ? '' : ' ' + corpus.path}` : kind}
        </Text>
      )}
      {stage === 'path'
        ? field(
            `path to the ${kind === 'mimic' ? 'files/ tree' : `${kind.toUpperCase()} file`}:`,
            corpusPath,
            setCorpusPath,
            (v) => {
              if (!v) return setError('enter a path');
              if (kind === 'mimic') return go('metadata');
              const c = resolveCorpus(kind, v, '');
              if (!c || (c.kind !== 'csv' && c.kind !== 'jsonl')) return;
              setCorpus(c);
              // Read the header and one row, then ask for the columns with the guesses filled in.
              previewCorpusFile(c.path, c.kind).then(
                (p) => {
                  if (!p.row) return setError(`${path.basename(c.path)} is empty: it has a header but no rows.`);
                  setPreview(p);
                  go('mapping');
                },
                (err: Error) => setError(err.message),
              );
            },
          )
        : null}
      {stage === 'mapping' && preview && corpus ? (
        <MappingEditor
          preview={preview}
          file={path.basename(corpus.path)}
          initial={initialDraft(preview, corpus.columns)}
          focus={isRawModeSupported}
          columns={columns - 4}
          onBack={back.mapping}
          onSubmit={(mapping) => {
            setCorpus({ ...corpus, columns: mapping });
            go('backend');
          }}
        />
      ) : null}
      {stage === 'metadata'
        ? field('metadata CSV (mimic_all.csv) or MIMIC-CXR-JPG folder, empty for none:', metadata, setMetadata, (v) => {
            const c = resolveCorpus('mimic', corpusPath.trim(), v);
            if (c) {
              setCorpus(c);
              go('backend');
            }
          })
        : null}
      {stage === 'backend' ? <Choice title="2/3 Extraction backend" options={BACKENDS} choice={choice} /> : null}
      {stage !== 'corpus' && stage !== 'mapping' && corpus && Object.keys(corpus.columns).length ? (
        <Text wrap="truncate-end">
          columns:{' '}
          {Object.entries(corpus.columns)
            .filter(([, c]) => c !== '-')
            .map(([f, c]) => `${f}=${c}`)
            .join(' ')}
        </Text>
      ) : null}
      {stage !== 'corpus' && stage !== 'path' && stage !== 'mapping' && stage !== 'metadata' && stage !== 'backend' ? (
        <Text>backend: {backend}</Text>
      ) : null}
      {stage === 'endpoint'
        ? field('endpoint URL (…/v1), empty to set it later with `cxrvqa llm set`:', endpoint, setEndpoint, (v) => {
            if (!v) return go('run');
            const ok = EndpointSchema.safeParse({ url: v });
            // A URL carrying a key gets the schema's own message, which says what to do and never echoes the key.
            const issue = ok.success ? undefined : ok.error.issues[0];
            if (issue) return setError(issue.code === 'custom' ? issue.message : `not a URL: ${v}`);
            go('model');
          })
        : null}
      {stage === 'model'
        ? field('model name (as the server serves it):', model, setModel, (v) => {
            if (!v) return setError('enter the model name');
            go('run');
          })
        : null}
      {stage === 'run' ? field('3/3 run folder:', runDir, setRunDir, finish) : null}
      {error ? <Text color="red">{error}</Text> : null}
    </Box>
  );
}

function Choice({
  title,
  options,
  choice,
}: {
  title: string;
  options: ReadonlyArray<{ id: string; label: string }>;
  choice: number;
}) {
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      {options.map((o, i) => (
        <Text key={o.id} inverse={i === choice}>
          {i === choice ? '▸ ' : '  '}
          {o.label}
        </Text>
      ))}
    </Box>
  );
}
