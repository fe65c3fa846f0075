import fs from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { z } from 'zod';
import { RunStateSchema, STATE_VERSION, newRunState, type RunState } from '../schemas/state.js';
import { UserError } from '../util/errors.js';
import type { ArtifactDef, OpenedArtifact } from './artifact.js';
import { JsonlArtifact, type KeyedRecord } from './jsonl.js';
import { acquireRunLock, type RunLock } from './lock.js';

export interface OpenRunOptions {
  /** Create the run folder and state when missing. */
  create?: boolean;
  /** Read-only: no lock, no writes (status, inspection while another process runs). */
  readOnly?: boolean;
  /**
   * Where warnings that arise while the run is open go (a compromised lock). The
   * pipeline never writes to stderr itself: under the Ink app that would draw
   * over the screen. Without a sink they are kept in `run.warnings`.
   */
  onWarning?: (message: string) => void;
}

/**
 * A run is a folder: `state.json` (lowdb, validated with zod, written atomically
 * by write-to-temp-and-rename) and `artifacts/*.jsonl` for bulk data.
 */
export class Run {
  private constructor(
    readonly dir: string,
    private readonly db: Low<RunState>,
    private readonly lock: RunLock | null,
    readonly readOnly: boolean,
    /** Warnings no sink took (see `OpenRunOptions.onWarning`). */
    readonly warnings: string[],
  ) {}

  static async open(dir: string, opts: OpenRunOptions = {}): Promise<Run> {
    const abs = path.resolve(dir);
    const stateFile = path.join(abs, 'state.json');
    if (!fs.existsSync(stateFile)) {
      if (!opts.create || opts.readOnly) {
        throw new UserError(
          `No run at ${abs} (state.json not found).`,
          'Start one with `cxrvqa run --corpus ...` or `cxrvqa demo`.',
        );
      }
      fs.mkdirSync(path.join(abs, 'artifacts'), { recursive: true });
    }
    const warnings: string[] = [];
    const onWarning = opts.onWarning ?? ((message: string) => void warnings.push(message));
    const lock = opts.readOnly ? null : await acquireRunLock(abs, onWarning);
    try {
      const db = new Low<RunState>(new JSONFile<RunState>(stateFile), newRunState());
      if (fs.existsSync(stateFile)) {
        try {
          await db.read();
        } catch (err) {
          throw new UserError(
            `state.json in ${abs} is not valid JSON: ${(err as Error).message}`,
            'Fix the file by hand, or start a new run in another folder (--run DIR).',
          );
        }
        db.data = validateState(db.data, stateFile);
      } else {
        await db.write();
      }
      return new Run(abs, db, lock, Boolean(opts.readOnly), warnings);
    } catch (err) {
      await lock?.release();
      throw err;
    }
  }

  get state(): Readonly<RunState> {
    return this.db.data;
  }

  get stateFile(): string {
    return path.join(this.dir, 'state.json');
  }

  /** Mutate the state and persist it atomically. */
  async update(mutate: (state: RunState) => void): Promise<void> {
    if (this.readOnly) throw new Error('run opened read-only');
    mutate(this.db.data);
    this.db.data.updatedAt = new Date().toISOString();
    await this.db.write();
  }

  /** Re-read state.json (read-only viewers following a run in another process). */
  async reload(): Promise<void> {
    await this.db.read();
    this.db.data = validateState(this.db.data, this.stateFile);
  }

  artifactPath(name: string): string {
    return path.join(this.dir, 'artifacts', `${name}.jsonl`);
  }

  /**
   * Open a defined artifact, its rows validated by its schema. `view` reads the
   * rows through a looser schema of the reader's own (rows of older runs).
   */
  open<T extends KeyedRecord, Multi extends boolean>(def: ArtifactDef<T, Multi>): OpenedArtifact<T, Multi>;
  open<T extends KeyedRecord, Multi extends boolean, V extends KeyedRecord>(
    def: ArtifactDef<T, Multi>,
    view: z.ZodType<V>,
  ): OpenedArtifact<V, Multi>;
  open(def: ArtifactDef<KeyedRecord, boolean>, view?: z.ZodType<KeyedRecord>): JsonlArtifact<KeyedRecord> {
    return new JsonlArtifact(this.artifactPath(def.name), view ?? def.schema);
  }

  /** An artifact by name, for code that handles artifacts generically (the runner moving outputs aside). */
  artifact<T extends KeyedRecord>(name: string, schema?: z.ZodType<T>): JsonlArtifact<T> {
    return new JsonlArtifact<T>(this.artifactPath(name), schema);
  }

  /**
   * Record that `name` was written outside a step run (e.g. a report re-run kept
   * from the inspector): its version goes up, so steps that read it show stale.
   */
  async recordArtifactWrite(name: string, opts: { count?: number } = {}): Promise<void> {
    await this.update((s) => {
      const prev = s.artifacts[name] ?? { version: 0, count: 0, updatedAt: null };
      s.artifacts[name] = {
        version: prev.version + 1,
        count: opts.count ?? prev.count,
        updatedAt: new Date().toISOString(),
      };
    });
  }

  /** A folder for a step's non-JSONL outputs (exports, configs, dictionaries). */
  outputDir(name: string): string {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  async close(): Promise<void> {
    await this.lock?.release();
  }
}

function validateState(data: unknown, file: string): RunState {
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== STATE_VERSION) {
    throw new UserError(`${file} has state version ${String(version)}; this cxrvqa reads version ${STATE_VERSION}.`);
  }
  const parsed = RunStateSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
