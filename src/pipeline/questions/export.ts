import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ImageLinks } from '../dataset/images.js';
import type { MetadataIndex, QaPair } from './schema.js';

/** CSV columns: the release's five first, then what this tool knows besides. */
export const CSV_COLUMNS = [
  'study_id',
  'subject_id',
  'question_type',
  'question',
  'answer',
  'ref_id',
  'dicom_id',
  'split',
  'qa_id',
  'answer_type',
] as const;

/** The original's output layout (its question generation writes these five columns). */
export const RELEASE_CSV_COLUMNS = CSV_COLUMNS.slice(0, 5);
/** Medical-Diff-VQA's layout: the reference study follows the subject. */
export const DIFF_CSV_COLUMNS = ['study_id', 'subject_id', 'ref_id', 'question_type', 'question', 'answer'] as const;

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

const NEEDS_QUOTES = /[",\r\n]/;
/** RFC 4180 field. Hand-written because csv-stringify took ~5 µs a row: 5 s of the 10 s budget at MIMIC size. */
export function csvField(v: string | null): string {
  if (v === null) return '';
  return NEEDS_QUOTES.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

export function writeCsv(
  file: string,
  pairs: readonly QaPair[],
  columns: readonly (typeof CSV_COLUMNS)[number][] = CSV_COLUMNS,
): WrittenFile {
  const w = new ChunkWriter(file);
  let buf = columns.join(',') + '\n';
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    buf += columns.map((c) => csvField(p[c])).join(',') + '\n';
    if ((i + 1) % CHUNK === 0) {
      w.write(buf);
      buf = '';
    }
  }
  w.write(buf);
  w.rows = pairs.length;
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
  /** The main image (LLaVA's `image` field), relative to the MIMIC-CXR-JPG root. */
  image: string;
  /** Whether the images were found under the root given with `--images` (docs/questions.md, the `images` param). */
  image_status: 'found' | 'missing' | 'unchecked';
  conversations: Array<{ from: 'human' | 'gpt'; value: string }>;
  qa_ids: string[];
}

/**
 * Image-conversation records for vision-language training (LLaVA-style turns):
 * one per study with its single-image QA pairs, plus one per difference pair
 * with both images. Studies without a known image are left out and counted.
 * Streams JSON text: generated pairs come grouped by study, so each record is
 * finished when its group ends (input that is not grouped is grouped first,
 * keeping first-appearance order). `links` resolves and counts the images.
 */
export function* conversationRecords(
  pairs: readonly QaPair[],
  meta: MetadataIndex,
  stats = { withoutImage: 0 },
  links = new ImageLinks(null),
): Generator<string> {
  const ordered = groupedByConversation(pairs);
  // Question and answer texts repeat (a few thousand distinct in a million pairs): escape each once.
  const escaped = new Map<string, string>();
  const js = (t: string) => {
    let e = escaped.get(t);
    if (e === undefined) escaped.set(t, (e = JSON.stringify(t)));
    return e;
  };
  let current: string | null = null;
  let skip = false;
  let parts: string[] = [];
  let ids: string[] = [];
  let head = '';
  const finish = () => `${head},"conversations":[${parts.join(',')}],"qa_ids":[${ids.join(',')}]}`;
  for (const p of ordered) {
    const id = conversationId(p);
    if (id !== current) {
      if (current !== null && !skip) yield finish();
      current = id;
      parts = [];
      ids = [];
      const main = imagePath(p.subject_id, p.study_id, p.dicom_id);
      const refMeta = p.ref_id ? meta.get(p.ref_id) : undefined;
      const ref = p.ref_id ? imagePath(refMeta?.subject_id ?? p.subject_id, p.ref_id, refMeta?.dicom_id ?? null) : null;
      skip = !main || (p.ref_id !== null && !ref);
      if (skip) {
        stats.withoutImage++;
        continue;
      }
      const images = ref ? [main!, ref] : [main!];
      const status = links.record(p.split, images);
      head = `{"id":${JSON.stringify(id)},"study_id":${JSON.stringify(p.study_id)},"subject_id":${JSON.stringify(p.subject_id)},"split":${JSON.stringify(p.split)},"images":${JSON.stringify(images)},"image":${JSON.stringify(main)},"image_status":"${status}"`;
      parts.push(
        `{"from":"human","value":${JSON.stringify(images.map(() => '<image>\n').join('') + p.question)}}`,
        `{"from":"gpt","value":${js(p.answer)}}`,
      );
      ids.push(`"${p.qa_id}"`);
      continue;
    }
    if (skip) continue;
    parts.push(`{"from":"human","value":${js(p.question)}}`, `{"from":"gpt","value":${js(p.answer)}}`);
    ids.push(JSON.stringify(p.qa_id));
  }
  if (current !== null && !skip) yield finish();
}

const conversationId = (p: QaPair) => (p.ref_id ? `${p.study_id}:${p.ref_id}` : p.study_id);

function groupedByConversation(pairs: readonly QaPair[]): readonly QaPair[] {
  const closed = new Set<string>();
  let current: string | null = null;
  let grouped = true;
  for (const p of pairs) {
    const id = conversationId(p);
    if (id === current) continue;
    if (closed.has(id)) {
      grouped = false;
      break;
    }
    if (current !== null) closed.add(current);
    current = id;
  }
  if (grouped) return pairs;
  const first = new Map<string, number>();
  pairs.forEach((p, i) => {
    const id = conversationId(p);
    if (!first.has(id)) first.set(id, i);
  });
  return pairs
    .map((p, i) => ({ p, i, g: first.get(conversationId(p))! }))
    .sort((a, b) => a.g - b.g || a.i - b.i)
    .map((x) => x.p);
}

/** All conversation lines in memory (small inputs, tests). */
export function conversationLines(
  pairs: readonly QaPair[],
  meta: MetadataIndex,
  links?: ImageLinks,
): { lines: string[]; withoutImage: number } {
  const stats = { withoutImage: 0 };
  const lines = [...conversationRecords(pairs, meta, stats, links)];
  return { lines, withoutImage: stats.withoutImage };
}

/** Streams the conversation records into `file`. */
export function writeConversations(
  file: string,
  pairs: readonly QaPair[],
  meta: MetadataIndex,
  links?: ImageLinks,
): WrittenFile & { withoutImage: number } {
  const w = new ChunkWriter(file);
  const stats = { withoutImage: 0 };
  let buf = '';
  for (const line of conversationRecords(pairs, meta, stats, links)) {
    buf += line + '\n';
    w.rows++;
    if (buf.length > 1 << 20) {
      w.write(buf);
      buf = '';
    }
  }
  w.write(buf);
  return { ...w.finish(), withoutImage: stats.withoutImage };
}

/** Copies a finished file (the questions artifact is already the JSONL export, line for line), hashing the copy. */
export async function copyAs(src: string, file: string): Promise<WrittenFile> {
  const tmp = `${file}.tmp-${process.pid}`;
  // An artifact that never got a line has no file: zero QA pairs export as an empty file, not a crash.
  if (fs.existsSync(src)) fs.copyFileSync(src, tmp);
  else fs.writeFileSync(tmp, '');
  const h = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  for await (const chunk of fs.createReadStream(tmp, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
  }
  fs.renameSync(tmp, file);
  return { file: path.basename(file), rows, bytes, sha256: h.digest('hex') };
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
