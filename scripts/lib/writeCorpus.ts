import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { reportPath, synthStudies, type SynthOptions } from './synth.js';

/**
 * Write a synthetic corpus as a MIMIC-CXR tree: `files/pXX/pSUBJECT/sSTUDY.txt`,
 * `metadata.csv` (one row per study) and `truth.jsonl` (strict KeyInfo with study_id).
 * Report files are written one at a time (see the note in the loop); the
 * metadata and truth streams respect backpressure, so memory stays flat.
 */
export interface WriteCorpusOptions extends SynthOptions {
  out: string;
}

export const METADATA_COLUMNS = ['subject_id', 'study_id', 'dicom_id', 'view', 'study_order', 'split', 'study_date'] as const;

async function writeLine(stream: fs.WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

async function endStream(stream: fs.WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

export async function writeCorpus(opts: WriteCorpusOptions): Promise<{ studies: number; subjects: number }> {
  fs.mkdirSync(path.join(opts.out, 'files'), { recursive: true });
  const meta = fs.createWriteStream(path.join(opts.out, 'metadata.csv'));
  const truth = fs.createWriteStream(path.join(opts.out, 'truth.jsonl'));
  await writeLine(meta, METADATA_COLUMNS.join(',') + '\n');
  const madeDirs = new Set<string>();
  let studies = 0;
  for (const s of synthStudies(opts)) {
    const rel = reportPath(s);
    const dir = path.join(opts.out, path.dirname(rel));
    if (!madeDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    // Synchronous on purpose: for ~1 KB files the cost is the syscalls, and async writes add
    // thread-pool round trips (measured on the 2-core box: 20k files 1.9 s sync vs 4.8 s with 64 in flight).
    fs.writeFileSync(path.join(opts.out, rel), s.text);
    await writeLine(meta, METADATA_COLUMNS.map((c) => s[c]).join(',') + '\n');
    await writeLine(truth, JSON.stringify({ study_id: s.study_id, ...s.truth }) + '\n');
    studies++;
  }
  await endStream(meta);
  await endStream(truth);
  return { studies, subjects: madeDirs.size };
}
