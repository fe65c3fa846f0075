import fs from 'node:fs';

/** Flush a file to disk and close it; fsync is not supported everywhere (some tmpfs), the data is written either way. */
export function fsyncAndClose(fd: number): void {
  try {
    fs.fsyncSync(fd);
  } catch {
    /* not supported here: nothing more to flush */
  }
  fs.closeSync(fd);
}
