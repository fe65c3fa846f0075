import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.js';

/**
 * `manifest.json` of a shard set: what each request file holds (its sha256 and
 * request count), which stage and cycle asked, and the model settings the
 * scripts run with. `cxrvqa import` trusts a shard's answers only when its
 * request file still has the hash written here.
 */
export const ShardEntrySchema = z.object({
  index: z.number().int().nonnegative(),
  input: z.string(),
  output: z.string(),
  sha256: z.string(),
  requests: z.number().int().nonnegative(),
});
export type ShardEntry = z.infer<typeof ShardEntrySchema>;

export const ShardManifestSchema = z.object({
  format: z.literal('cxrvqa-shards/1'),
  createdAt: z.string(),
  run: z.string(),
  stage: z.string(),
  cycle: z.number().int().nullable(),
  model: z.string(),
  /** The vllm engine arguments the scripts pass (the served model's settings). */
  vllmArgs: z.array(z.string()),
  decoding: z.record(z.string(), z.unknown()),
  requests: z.number().int().nonnegative(),
  shards: z.array(ShardEntrySchema),
});
export type ShardManifest = z.infer<typeof ShardManifestSchema>;

export const MANIFEST = 'manifest.json';

export function readManifest(dir: string): ShardManifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file))
    throw new UserError(
      `${dir} has no ${MANIFEST}: it is not a shard set.`,
      'Give the folder that cxrvqa shard --out wrote.',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(
      `${file} is not JSON: ${(err as Error).message}`,
      'Write the shard set again with cxrvqa shard.',
    );
  }
  const parsed = ShardManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new UserError(
      `${file} is not a cxrvqa shard manifest: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      'Write the shard set again with cxrvqa shard.',
    );
  return parsed.data;
}
