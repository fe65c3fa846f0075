import fs from 'node:fs';
import path from 'node:path';
import type { CorpusConfig } from '../schemas/state.js';
import { UserError } from '../util/errors.js';
import { csvItems, planCsv } from './csvSource.js';
import { locateJpgFiles } from './jpgMetadata.js';
import { checkJsonlMapping, jsonlItems } from './jsonlSource.js';
import { defaultMetadataFile, mimicItems, resolveMimicLayout, type MimicHooks } from './mimic.js';
import type { SourceItem, SourceOptions } from './record.js';
import { assertTextFile } from '../util/sniff.js';
import { isZipPath, metadataBesideZip, openZipStore, probeMimicZip } from './zipSource.js';

/** A configured corpus: checks that run before any work, then the stream of items. */
export interface CorpusSource {
  /** One line for the log: what is read and how. */
  describe: string;
  items(opts: SourceOptions, hooks: MimicHooks): AsyncIterable<SourceItem>;
}

function mustRead(p: string, what: string, kind: 'file' | 'dir' | 'any'): void {
  if (!fs.existsSync(p)) throw new UserError(`${what} does not exist: ${p}`);
  try {
    fs.accessSync(p, fs.constants.R_OK);
  } catch {
    throw new UserError(`${what} is not readable: ${p}`);
  }
  const isDir = fs.statSync(p).isDirectory();
  if (kind === 'file' && isDir) throw new UserError(`${what} must be a file, but ${p} is a folder.`);
  if (kind === 'dir' && !isDir) throw new UserError(`${what} must be a folder, but ${p} is a file.`);
}

function isZipFile(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isFile() && isZipPath(p);
}

/** The MIMIC-CXR reports zip as shipped, read in place (zipSource.ts). */
async function openMimicZip(zipPath: string, metadataFlag: string | null): Promise<CorpusSource> {
  await probeMimicZip(zipPath);
  if (metadataFlag) mustRead(path.resolve(metadataFlag), 'Metadata CSV', 'file');
  const metadata = metadataFlag ? path.resolve(metadataFlag) : metadataBesideZip(zipPath);
  return {
    describe: `MIMIC-CXR zip ${zipPath}${metadata ? ` with metadata ${metadata}` : ' (no metadata table)'}`,
    items: (opts, hooks) =>
      mimicItems({ path: zipPath, metadata, jpg: false }, opts, hooks, () => openZipStore(zipPath, metadata)),
  };
}

/** Validate the corpus config against the disk (preflight) and return its reader. */
export async function openCorpus(cfg: CorpusConfig): Promise<CorpusSource> {
  const corpusPath = path.resolve(cfg.path);
  if (cfg.kind === 'mimic' && isZipFile(corpusPath)) return openMimicZip(corpusPath, cfg.metadata);
  switch (cfg.kind) {
    case 'sample':
    case 'mimic': {
      if (cfg.kind === 'sample' && !fs.existsSync(corpusPath))
        throw new UserError(
          `The bundled sample corpus is missing (${corpusPath}).`,
          'Reinstall cxrvqa, or regenerate it with `npm run generate:corpus`.',
        );
      mustRead(corpusPath, 'Corpus folder', 'dir');
      const layout = resolveMimicLayout(corpusPath);
      if (cfg.metadata) mustRead(path.resolve(cfg.metadata), 'Metadata CSV', 'file');
      const metadata = cfg.metadata ? path.resolve(cfg.metadata) : defaultMetadataFile(layout);
      return {
        describe: `MIMIC-CXR tree ${layout.filesDir}${metadata ? ` with metadata ${metadata}` : ' (no metadata table)'}`,
        items: (opts, hooks) => mimicItems({ path: corpusPath, metadata, jpg: false }, opts, hooks),
      };
    }
    case 'mimic-jpg': {
      mustRead(corpusPath, 'Corpus folder', 'dir');
      const layout = resolveMimicLayout(corpusPath);
      const jpgDir = cfg.metadata ? path.resolve(cfg.metadata) : layout.root;
      mustRead(jpgDir, 'MIMIC-CXR-JPG metadata folder', 'dir');
      locateJpgFiles(jpgDir);
      return {
        describe: `MIMIC-CXR tree ${layout.filesDir} with metadata joined from the MIMIC-CXR-JPG CSVs in ${jpgDir}`,
        items: (opts, hooks) => mimicItems({ path: corpusPath, metadata: jpgDir, jpg: true }, opts, hooks),
      };
    }
    case 'csv': {
      mustRead(corpusPath, 'Corpus CSV', 'file');
      assertTextFile(corpusPath, 'Corpus CSV');
      const plan = await planCsv(corpusPath, cfg.columns);
      return { describe: `CSV ${corpusPath} (${plan.describe})`, items: (opts) => csvItems(corpusPath, plan, opts) };
    }
    case 'jsonl': {
      mustRead(corpusPath, 'Corpus JSONL', 'file');
      assertTextFile(corpusPath, 'Corpus JSONL');
      checkJsonlMapping(cfg.columns, corpusPath);
      const mapped = Object.entries(cfg.columns)
        .map(([f, k]) => `${f}=${k}`)
        .join(' ');
      return {
        describe: `JSONL ${corpusPath}${mapped ? ` (${mapped})` : ''}`,
        items: (opts) => jsonlItems(corpusPath, opts, cfg.columns),
      };
    }
  }
}
