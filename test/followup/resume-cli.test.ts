import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FollowupLogRow, FollowupRow } from '../../src/pipeline/followup/schema.js';
import { packageRoot } from '../../src/pipeline/util/paths.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { addAsked, readAsk, sleep } from './fixtures.js';
import { jsonlLlmRunArgs } from '../helpers/kill-run.js';

/**
 * Smoke test of the built CLI: `cxrvqa run --cycles 2` killed with SIGKILL in
 * the middle of cycle 1's follow-up, then run again with the same command.
 */

const CLI = path.join(packageRoot(), 'dist', 'src', 'cli.js');
const EMPTY = '{"opacity_vs_clear": {}, "entity": {}, "uncertain_entity": [], "no_entity": []}';
const SENTENCES = [
  'There is a small left pleural effusion.',
  'Mild pulmonary edema.',
  'Right basilar atelectasis.',
  'No pneumothorax.',
  'The heart is enlarged.',
  'No focal consolidation.',
  'A nodule in the right upper lobe.',
];
const ENDPOINT_MAX = 4;

let server: LoopbackServer | null = null;
let dir: string | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

function cli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

describe('cxrvqa run --cycles after kill -9', () => {
  it('resumes the interrupted cycle: no question asked twice beyond those in flight, no answer lost', async () => {
    expect(fs.existsSync(CLI), 'build first: npm run build').toBe(true);
    let followups = 0;
    server = await startLoopbackServer({
      respond: async (req) => {
        const a = readAsk(req);
        if (!a) return { content: EMPTY }; // extraction: a deliberately empty record, so every reference finding is asked
        followups++;
        await sleep(10);
        return addAsked(a);
      },
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxr-fu-kill-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    const reports = Array.from({ length: 30 }, (_, i) => {
      const picked = SENTENCES.filter((_, j) => (i + j) % 3 !== 0);
      return {
        study_id: `s${String(i).padStart(6, '0')}`,
        subject_id: `p${i}`,
        text: `FINDINGS: Study ${i}. ${picked.join(' ')}\n\nIMPRESSION: Study ${i} as above.`,
      };
    });
    fs.writeFileSync(corpus, reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const runDir = path.join(dir, 'run');
    const args = [
      ...jsonlLlmRunArgs({
        runDir,
        corpus,
        url: server.url,
        endpointMax: ENDPOINT_MAX,
        steps: 'ingest,reference,extract,standardize,followup',
      }),
      '--cycles',
      '2',
    ];

    const first = cli(args);
    const killedAt = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if (followups >= 40) {
          clearInterval(timer);
          first.child.kill('SIGKILL');
          resolve(followups);
        }
      }, 2);
      void first.exited.then(() => {
        clearInterval(timer);
        reject(new Error(`first run ended before the kill:\n${first.stderr()}`));
      });
    });
    await first.exited;
    const art = (n: string) => path.join(runDir, 'artifacts', `${n}.jsonl`);
    const loggedAtKill = readJsonl<FollowupLogRow>(art('followup-log')).length;
    expect(loggedAtKill).toBeGreaterThan(0);

    const second = cli(args);
    const code = await second.exited;
    expect(code, second.stderr()).toBe(0);
    expect(second.stderr()).toMatch(/\[followup\] start \(resume\)/);

    const asked = server.requests.flatMap((r) => {
      const a = readAsk(r);
      return a ? [`${a.studyText}\u0000${a.polarity}:${a.entity}`] : [];
    });
    const twice = asked.length - new Set(asked).size;
    // Only questions cut off in flight by the kill may reach the server again.
    expect(twice).toBeLessThanOrEqual(ENDPOINT_MAX);

    const log = readJsonl<FollowupLogRow>(art('followup-log'));
    const keys = log.map((l) => `${l.study_id}:${l.cycle}:${l.polarity}:${l.entity}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every answer of cycle 1 is applied in the study's cycle-1 record.
    const rows = readJsonl<FollowupRow>(art('followup'));
    const c1 = new Map(
      rows.filter((r) => r.cycle === 1).map((r) => [r.study_id, r.keyinfo as { entity: object; no_entity: string[] }]),
    );
    expect(c1.size).toBe(30);
    for (const l of log.filter((x) => x.cycle === 1 && x.status === 'applied')) {
      const k = c1.get(l.study_id)!;
      if (l.polarity === 'positive') expect(Object.keys(k.entity)).toContain(l.entity);
      else expect(k.no_entity).toContain(l.entity);
    }
    const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')) as {
      cycles: Array<{ cycle: number; finishedAt: string | null; counts: Record<string, number> }>;
    };
    expect(state.cycles.map((c) => [c.cycle, c.finishedAt !== null])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(state.cycles[0]!.counts.asked).toBe(log.filter((l) => l.cycle === 1 && l.status !== 'dropped').length);
    expect(state.cycles[0]!.counts.asked).toBeGreaterThan(killedAt);
    console.log(
      `kill -9 after ${killedAt} follow-up requests (${loggedAtKill} logged); ${asked.length} follow-up requests in all, ${twice} asked twice; cycle counts ${JSON.stringify(state.cycles.map((c) => c.counts))}`,
    );
  }, 60_000);
});
