import type { z } from 'zod';
import type { JsonlArtifact, KeyedRecord } from './jsonl.js';

/**
 * The artifact catalogue: each JSONL artifact is defined once, by the area that
 * writes it, with its row schema. Steps name artifacts by these definitions and
 * open them with `run.open(DEF)`, so the name, the row type and the schema are
 * never restated at a call site.
 */
export interface ArtifactDef<T extends KeyedRecord, Multi extends boolean = boolean> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /**
   * Several rows per study (question-answer pairs): "the last line per key wins"
   * does not hold, so such an artifact opens without `readMap`/`keys`.
   */
  readonly multiRow: Multi;
  /** The step that writes it: named when a step needs it and it is missing. */
  readonly madeBy: string;
}

/** Any artifact definition, its row type erased (for step headers and the runner). */
export interface AnyArtifact {
  readonly name: string;
  readonly madeBy: string;
  readonly multiRow: boolean;
}

/** What a step header lists: a defined artifact, or the name of an output that is not JSONL (a model folder). */
export type ArtifactRef = AnyArtifact | string;

export function artifactName(ref: ArtifactRef): string {
  return typeof ref === 'string' ? ref : ref.name;
}

export function defineArtifact<T extends KeyedRecord, Multi extends boolean = false>(
  name: string,
  schema: z.ZodType<T>,
  opts: { madeBy: string; multiRow?: Multi },
): ArtifactDef<T, Multi> {
  return { name, schema, madeBy: opts.madeBy, multiRow: (opts.multiRow ?? false) as Multi };
}

/** A multi-row artifact: read it line by line; there is no "current row per key". */
export type RowsArtifact<T extends KeyedRecord> = Omit<JsonlArtifact<T>, 'readMap' | 'keys'>;

/** What `run.open` returns for a definition: keyed access only when rows are one per key. */
export type OpenedArtifact<T extends KeyedRecord, Multi extends boolean> = Multi extends true
  ? RowsArtifact<T>
  : JsonlArtifact<T>;
