import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { MIMIC_ALL_COLUMNS } from '../../src/pipeline/ingest/jpgMetadata.js';
import { FileWriterPool, type FileJob } from './fileWriters.js';
import { reportPath, synthStudies, type SynthOptions } from './synth.js';

/**
 * Write a synthetic corpus as a MIMIC-CXR tree: `files/pXX/pSUBJECT/sSTUDY.txt`,
 * `metadata.csv` (one row per study) and `truth.jsonl` (strict KeyInfo with study_id).
 * Report files are written by a small pool of writer threads (fileWriters.ts)
 * with a bounded number of batches in flight; the metadata and truth streams
 * respect backpressure, so memory stays flat.
 */
export interface WriteCorpusOptions extends SynthOptions {
  out: string;
  /** Writer threads (default 2, one per core of the reference box). */
  writers?: number;
}

/** The generated metadata CSV has the columns of `mimic_all.csv`, in its order. */
export const METADATA_COLUMNS = MIMIC_ALL_COLUMNS;

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
  const pool = new FileWriterPool(opts.writers ?? 2);
  let batch: FileJob[] = [];
  let subjects = 0;
  let lastSubject = '';
  let studies = 0;
  try {
    for (const s of synthStudies(opts)) {
      // Batches end only between subjects, so a subject's folder and files go to one writer.
      const newSubject = s.subject_id !== lastSubject;
      if (newSubject && batch.length >= 256) {
        await pool.write(batch);
        batch = [];
      }
      const rel = reportPath(s);
      const file = path.join(opts.out, rel);
      batch.push([newSubject ? path.dirname(file) : '', file, s.text]);
      if (newSubject) subjects++;
      lastSubject = s.subject_id;
      await writeLine(meta, METADATA_COLUMNS.map((c) => s[c]).join(',') + '\n');
      await writeLine(truth, JSON.stringify({ study_id: s.study_id, ...s.truth }) + '\n');
      studies++;
    }
    await pool.write(batch);
  } finally {
    await pool.close();
  }
  await endStream(meta);
  await endStream(truth);
  return { studies, subjects };
}
