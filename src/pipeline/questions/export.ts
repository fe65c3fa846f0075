import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { MetadataIndex, QaPair } from './schema.js';

/** CSV columns: the release's five first, then what this tool knows besides. */
export const CSV_COLUMNS = ['study_id', 'subject_id', 'question_type', 'question', 'answer', 'ref_id', 'dicom_id', 'split', 'qa_id', 'answer_type'] as const;

export interface WrittenFile {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** MIMIC-CXR-JPG image path: files/p{first 2 digits}/p{subject}/s{study}/{dicom_id}.jpg. */
export function imagePath(subject_id: string, study_id: string, dicom_id: string | null): string | null {
  if (!dicom_id) return null;
  const subj = subject_id.replace(/^p/i, '');
  const study = study_id.replace(/^s/i, '');
  return `files/p${subj.slice(0, 2)}/p${subj}/s${study}/${dicom_id}.jpg`;
}

/**
 * Writes a file in chunks through a temp file and a rename, hashing as it goes,
 * so a crash never leaves a half-written export under the final name.
 */
class ChunkWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  rows = 0;

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = `${file}.tmp-${process.pid}`;
    this.fd = fs.openSync(this.tmp, 'w');
  }

  write(text: string): void {
    if (!text) return;
    const buf = Buffer.from(text, 'utf8');
    this.hash.update(buf);
    this.bytes += buf.length;
    fs.writeSync(this.fd, buf);
  }

  finish(): WrittenFile {
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, this.file);
    return { file: path.basename(this.file), rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

const CHUNK = 20_000;

export function writeCsv(file: string, pairs: readonly QaPair[]): WrittenFile {
  const w = new ChunkWriter(file);
  w.write(stringify([[...CSV_COLUMNS]]));
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const rows = pairs.slice(i, i + CHUNK).map((p) => CSV_COLUMNS.map((c) => p[c] ?? ''));
    w.write(stringify(rows));
    w.rows += rows.length;
  }
  return w.finish();
}

export function writeJsonl(file: string, records: Iterable<unknown>): WrittenFile {
  const w = new ChunkWriter(file);
  let buf = '';
  let n = 0;
  for (const r of records) {
    buf += JSON.stringify(r) + '\n';
    if (++n % CHUNK === 0) {
      w.write(buf);
      buf = '';
    }
  }
  w.write(buf);
  w.rows = n;
  return w.finish();
}

export interface ConversationRecord {
  id: string;
  study_id: string;
  subject_id: string;
  split: string;
  /** Image path(s) relative to the MIMIC-CXR-JPG root; difference records have [main, reference]. */
  images: string[];
  conversations: Array<{ from: 'human' | 'gpt'; value: string }>;
  qa_ids: string[];
}

/**
 * Image-conversation records for vision-language training (LLaVA-style turns):
 * one per study with its single-image QA pairs, plus one per difference pair
 * with both images. Studies without a known image are left out and counted.
 */
export function buildConversations(pairs: readonly QaPair[], meta: MetadataIndex): { records: ConversationRecord[]; withoutImage: number } {
  const byId = new Map<string, ConversationRecord>();
  let withoutImage = 0;
  const counted = new Set<string>();
  for (const p of pairs) {
    const main = imagePath(p.subject_id, p.study_id, p.dicom_id);
    const refMeta = p.ref_id ? meta.get(p.ref_id) : undefined;
    const ref = p.ref_id ? imagePath(refMeta?.subject_id ?? p.subject_id, p.ref_id, refMeta?.dicom_id ?? null) : null;
    const id = p.ref_id ? `${p.study_id}:${p.ref_id}` : p.study_id;
    if (!main || (p.ref_id && !ref)) {
      if (!counted.has(id)) {
        counted.add(id);
        withoutImage++;
      }
      continue;
    }
    let rec = byId.get(id);
    if (!rec) {
      rec = { id, study_id: p.study_id, subject_id: p.subject_id, split: p.split, images: ref ? [main, ref] : [main], conversations: [], qa_ids: [] };
      byId.set(id, rec);
    }
    const imageTags = rec.conversations.length === 0 ? rec.images.map(() => '<image>\n').join('') : '';
    rec.conversations.push({ from: 'human', value: imageTags + p.question }, { from: 'gpt', value: p.answer });
    rec.qa_ids.push(p.qa_id);
  }
  return { records: [...byId.values()], withoutImage };
}

export function hashFile(file: string): Promise<string | null> {
  if (!fs.existsSync(file)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
