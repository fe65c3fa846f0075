import { Box, Text, useStdin } from 'ink';
import { KeyHubProvider, useKeys } from '../components/useKeys.js';
import { LineInput } from '../components/LineInput.js';
import React, { useState } from 'react';
import { useLiveState } from '../components/useLiveState.js';
import { corpusConfigFrom } from '../../pipeline/runner/configure.js';
import type { CorpusConfig } from '../../pipeline/schemas/state.js';

export interface WizardResult {
  corpus: CorpusConfig;
  backend: 'rules' | 'llm';
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
  { id: 'llm', label: 'LLM endpoints (configure them with `cxrvqa llm`)' },
] as const;

type Stage = 'corpus' | 'path' | 'backend' | 'run';

export interface WizardProps {
  onDone: (r: WizardResult) => void;
  onCancel: () => void;
  defaultRunDir?: string;
}

/** The wizard is its own ink root, so it brings its own key hub. */
export function Wizard(props: WizardProps) {
  return (
    <KeyHubProvider onKey={() => {}}>
      <WizardBody {...props} />
    </KeyHubProvider>
  );
}

function WizardBody({ onDone, onCancel, defaultRunDir = 'runs/default' }: WizardProps) {
  const { isRawModeSupported } = useStdin();
  const [stage, setStage, liveStage] = useLiveState<Stage>('corpus');
  const [choice, setChoice, liveChoice] = useLiveState(0);
  const [kind, setKind, liveKind] = useLiveState<(typeof CORPORA)[number]['id']>('sample');
  const [corpusPath, setCorpusPath] = useState('');
  const [corpus, setCorpus] = useState<CorpusConfig | null>(null);
  const [backend, setBackend] = useState<'rules' | 'llm'>('rules');
  const [runDir, setRunDir] = useState(defaultRunDir);
  const [error, setError] = useState<string | null>(null);
  const typing = stage === 'path' || stage === 'run';

  const resolveCorpus = (k: string, p?: string): CorpusConfig | null => {
    try {
      const c = corpusConfigFrom(k === 'sample' ? { sample: true } : { corpus: p, format: k });
      if (!c) throw new Error('enter a path');
      setError(null);
      return c;
    } catch (err) {
      setError((err as Error).message);
      return null;
    }
  };

  useKeys(
    (input, key) => {
      const stage = liveStage();
      const choice = liveChoice();
      const kind = liveKind();
      const typing = stage === 'path' || stage === 'run';
      if ((key.ctrl && input === 'c') || (!typing && input === 'q')) return onCancel();
      if (key.escape) {
        setError(null);
        if (stage === 'corpus') onCancel();
        else if (stage === 'path') setStage('corpus');
        else if (stage === 'backend') setStage(kind === 'sample' ? 'corpus' : 'path');
        else setStage('backend');
        setChoice(0);
        return;
      }
      if (typing) return;
      const options = stage === 'corpus' ? CORPORA.length : BACKENDS.length;
      if (key.upArrow || input === 'k') setChoice((c) => (c + options - 1) % options);
      else if (key.downArrow || input === 'j') setChoice((c) => (c + 1) % options);
      else if (key.return) {
        if (stage === 'corpus') {
          const k = CORPORA[choice]!.id;
          setKind(k);
          if (k === 'sample') {
            const c = resolveCorpus('sample');
            if (c) {
              setCorpus(c);
              setRunDir((d) => (d === 'runs/default' ? 'runs/sample' : d));
              setStage('backend');
            }
          } else setStage('path');
        } else if (stage === 'backend') {
          setBackend(BACKENDS[choice]!.id);
          setStage('run');
        }
        setChoice(0);
      }
    },
    { isActive: isRawModeSupported },
  );

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>New cxrvqa run</Text>
      <Text dimColor>Esc goes back · q cancels</Text>
      <Text> </Text>
      {stage === 'corpus' ? <Choice title="1/3 Corpus" options={CORPORA} choice={choice} /> : <Text>corpus: {corpus ? `${corpus.kind} ${corpus.kind === 'sample' ? '' : corpus.path}` : kind}</Text>}
      {stage === 'path' ? (
        <Box>
          <Text>path to the {kind === 'mimic' ? 'files/ tree' : `${kind.toUpperCase()} file`}: </Text>
          <LineInput
            initial={corpusPath}
            onChange={setCorpusPath}
            focus={isRawModeSupported}
            onSubmit={(v) => {
              const c = resolveCorpus(kind, v.trim());
              if (c) {
                setCorpus(c);
                setStage('backend');
              }
            }}
          />
        </Box>
      ) : null}
      {stage === 'backend' ? <Choice title="2/3 Extraction backend" options={BACKENDS} choice={choice} /> : null}
      {stage === 'run' ? (
        <>
          <Text>backend: {backend}</Text>
          <Box>
            <Text>3/3 run folder: </Text>
            <LineInput
              initial={runDir}
              onChange={setRunDir}
              focus={isRawModeSupported}
              onSubmit={(v) => {
                if (!v.trim()) return setError('enter a folder');
                if (corpus) onDone({ corpus, backend, runDir: v.trim() });
              }}
            />
          </Box>
        </>
      ) : null}
      {error ? <Text color="red">{error}</Text> : null}
    </Box>
  );
}

function Choice({ title, options, choice }: { title: string; options: ReadonlyArray<{ id: string; label: string }>; choice: number }) {
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
