import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import yazl from 'yazl';

function walk(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? walk(dir, path.join(rel, d.name)) : [path.join(rel, d.name)]));
}

/**
 * Zip a folder's files (deflated) under `prefix`, in reverse path order so readers
 * cannot lean on the central directory being sorted. `skip` leaves files out.
 */
export async function zipFolder(
  dir: string,
  out: string,
  opts: { prefix?: string; skip?: (rel: string) => boolean; extra?: Record<string, string | Buffer> } = {},
): Promise<string> {
  const zip = new yazl.ZipFile();
  const done = once(zip.outputStream.pipe(fs.createWriteStream(out)), 'close');
  const files = walk(dir)
    .filter((rel) => !opts.skip?.(rel))
    .sort()
    .reverse();
  for (const rel of files) zip.addBuffer(fs.readFileSync(path.join(dir, rel)), `${opts.prefix ?? ''}${rel}`);
  for (const [name, content] of Object.entries(opts.extra ?? {})) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  await done;
  return out;
}

/** Overwrite the start of an entry's stored bytes, found through its local header. */
export function corruptEntry(zipFile: string, name: string): void {
  const buf = fs.readFileSync(zipFile);
  const at = buf.indexOf(Buffer.from(name));
  if (at < 30) throw new Error(`no local header for ${name}`);
  const dataStart = at + buf.readUInt16LE(at - 4) + buf.readUInt16LE(at - 2);
  buf.fill(0xff, dataStart, dataStart + 8);
  fs.writeFileSync(zipFile, buf);
}
