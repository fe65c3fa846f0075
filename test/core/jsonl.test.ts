import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonlArtifact, type ReadIssue } from '../../src/pipeline/store/jsonl.js';
import { makeTempDir } from '../helpers/tmp.js';

const Rec = z.object({ study_id: z.string(), v: z.number() });
type Rec = z.infer<typeof Rec>;

let tmp: ReturnType<typeof makeTempDir>;
afterEach(() => tmp?.cleanup());

function artifact() {
  tmp = makeTempDir();
  return new JsonlArtifact<Rec>(path.join(tmp.dir, 'a', 'x.jsonl'), Rec);
}

describe('JsonlArtifact', () => {
  it('appends lines and reads them back in order', async () => {
    const a = artifact();
    a.append({ study_id: '1', v: 1 });
    a.appendMany([
      { study_id: '2', v: 2 },
      { study_id: '3', v: 3 },
    ]);
    a.close();
    const seen: Rec[] = [];
    for await (const r of a.lines()) seen.push(r);
    expect(seen.map((r) => r.study_id)).toEqual(['1', '2', '3']);
  });

  it('resolves a key written twice to the last line written', async () => {
    const a = artifact();
    a.appendMany([
      { study_id: '1', v: 1 },
      { study_id: '2', v: 2 },
      { study_id: '1', v: 9 },
    ]);
    a.close();
    const map = await a.readMap();
    expect(map.get('1')).toEqual({ study_id: '1', v: 9 });
    expect(map.size).toBe(2);
  });

  it('drops and reports a torn last line', async () => {
    const a = artifact();
    a.appendMany([
      { study_id: '1', v: 1 },
      { study_id: '2', v: 2 },
    ]);
    a.close();
    fs.appendFileSync(a.file, '{"study_id":"3","v":');
    const issues: ReadIssue[] = [];
    const map = await a.readMap({ onIssue: (i) => issues.push(i) });
    expect([...map.keys()]).toEqual(['1', '2']);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.reason).toBe('torn_last_line');
  });

  it('sets the torn tail aside before the next append so lines never fuse', async () => {
    const a = artifact();
    a.append({ study_id: '1', v: 1 });
    a.close();
    fs.appendFileSync(a.file, '{"study_id":"2","v":2');
    const b = new JsonlArtifact<Rec>(a.file, Rec);
    b.append({ study_id: '3', v: 3 });
    b.close();
    const issues: ReadIssue[] = [];
    const keys = await b.keys({ onIssue: (i) => issues.push(i) });
    expect([...keys]).toEqual(['1', '3']);
    expect(issues).toEqual([]);
    expect(fs.readFileSync(`${a.file}.torn`, 'utf8')).toContain('"study_id":"2"');
  });

  it('reports invalid lines in the middle and records failing the schema, keeping the rest', async () => {
    const a = artifact();
    fs.mkdirSync(path.dirname(a.file), { recursive: true });
    fs.writeFileSync(a.file, '{"study_id":"1","v":1}\nnot json\n{"study_id":"2","v":"x"}\n{"study_id":"3","v":3}\n');
    const issues: ReadIssue[] = [];
    const keys = await a.keys({ onIssue: (i) => issues.push(i) });
    expect([...keys]).toEqual(['1', '3']);
    expect(issues.map((i) => i.reason)).toEqual(['invalid_json', 'schema']);
  });

  it('reset moves the file aside and starts empty', async () => {
    const a = artifact();
    a.append({ study_id: '1', v: 1 });
    const aside = a.reset();
    expect(aside && fs.existsSync(aside)).toBe(true);
    expect(a.exists()).toBe(false);
    expect((await a.keys()).size).toBe(0);
  });
});
