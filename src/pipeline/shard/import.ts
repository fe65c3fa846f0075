import fs from 'node:fs';
import path from 'node:path';
import { AnswerStore } from '../llm/batchApi/answers.js';
import { parseOutputLine } from '../llm/batchApi/format.js';
import { sha256 } from '../util/hash.js';
import { readManifest, type ShardManifest } from './manifest.js';

/**
 * Merge finished shard outputs into the run's batch answer store by custom id:
 * any order, any subset, again and again (an answer already imported is not
 * imported twice). Each shard is reported: complete, partial (fewer answers than
 * requests, or a last line cut off), missing (no output), or changed (its request
 * file no longer has the manifest's hash: its answers are not trusted).
 */

export type ShardState = 'complete' | 'partial' | 'missing' | 'changed';

export interface ShardImport {
  index: number;
  state: ShardState;
  requests: number;
  answered: number;
  /** Answers new to the store in this import. */
  imported: number;
  /** A last line without its end (the job was killed while writing). */
  tornLines: number;
  /** Lines whose custom id is not a request of this shard (another set, an edited file). */
  unknownLines: number;
  /** Lines that are not JSON or carry no custom id of ours. */
  badLines: number;
}

export interface ImportReport {
  manifest: ShardManifest;
  shards: ShardImport[];
  imported: number;
}

function customIdsOf(data: Buffer): Set<string> {
  const ids = new Set<string>();
  for (const line of data.toString('utf8').split('\n')) {
    if (!line) continue;
    const id = (JSON.parse(line) as { custom_id: string }).custom_id;
    ids.add(id);
  }
  return ids;
}

export function importShardSet(dir: string, store: AnswerStore, whitespaceLimit: number): ImportReport {
  const manifest = readManifest(dir);
  const shards: ShardImport[] = [];
  let total = 0;
  for (const s of manifest.shards) {
    const r: ShardImport = {
      index: s.index,
      state: 'missing',
      requests: s.requests,
      answered: 0,
      imported: 0,
      tornLines: 0,
      unknownLines: 0,
      badLines: 0,
    };
    shards.push(r);
    const input = path.join(dir, s.input);
    const data = fs.existsSync(input) ? fs.readFileSync(input) : null;
    if (!data || sha256(data) !== s.sha256) {
      r.state = 'changed';
      continue;
    }
    const output = path.join(dir, s.output);
    if (!fs.existsSync(output)) continue;
    const ids = customIdsOf(data);
    const answered = new Set<string>();
    const text = fs.readFileSync(output, 'utf8');
    const rows = text.split('\n');
    // The text after the last newline is a line cut off mid-write (or nothing).
    const torn = rows.pop() ?? '';
    if (torn.trim()) r.tornLines++;
    for (const line of rows) {
      if (!line.trim()) continue;
      const parsed = parseOutputLine(line, whitespaceLimit);
      // Null also for a custom id that does not end in a request key.
      if (!parsed) {
        r.badLines++;
        continue;
      }
      if (!ids.has(parsed.customId)) {
        r.unknownLines++;
        continue;
      }
      answered.add(parsed.customId);
      if (store.put(parsed, `shard:${s.sha256}`)) r.imported++;
    }
    r.answered = answered.size;
    r.state = answered.size >= s.requests && r.tornLines === 0 ? 'complete' : 'partial';
    total += r.imported;
  }
  return { manifest, shards, imported: total };
}
