import fs from 'node:fs';
import path from 'node:path';

/** found/missing under the given MIMIC-CXR-JPG root; unchecked when no root was given. */
export type ImageStatus = 'found' | 'missing' | 'unchecked';

export interface SplitImages {
  /** Conversation records (one per study, one per difference pair). */
  records: number;
  /** Records with at least one image not under the root. */
  missing: number;
}

export interface ImageSummary {
  root: string | null;
  checked: boolean;
  by_split: Record<string, SplitImages>;
}

/**
 * Image links of one export: resolves relative MIMIC-CXR-JPG paths
 * (`files/pXX/pSUBJECT/sSTUDY/DICOM.jpg`) against a root and counts what is missing.
 * Each path is looked up once: difference records reuse their studies' images.
 */
export class ImageLinks {
  private readonly seen = new Map<string, boolean>();
  private readonly splits = new Map<string, SplitImages>();

  constructor(readonly root: string | null) {}

  private exists(rel: string): boolean {
    let hit = this.seen.get(rel);
    if (hit === undefined) this.seen.set(rel, (hit = fs.existsSync(path.join(this.root!, rel))));
    return hit;
  }

  /** The status of one record's images, counted under its split. */
  record(split: string, images: readonly string[]): ImageStatus {
    let s = this.splits.get(split);
    if (!s) this.splits.set(split, (s = { records: 0, missing: 0 }));
    s.records++;
    if (this.root === null) return 'unchecked';
    const ok = images.every((i) => this.exists(i));
    if (!ok) s.missing++;
    return ok ? 'found' : 'missing';
  }

  summary(): ImageSummary {
    const by_split = Object.fromEntries([...this.splits.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    return { root: this.root, checked: this.root !== null, by_split };
  }
}
