import { readLibraryCsv } from '../util/csv.js';
import { dataPath } from '../util/paths.js';

/**
 * One disease of the library (data/libs/disease.csv): the only parser of that
 * file and the only `Disease` type. The rules extractor, name normalization and
 * question generation each derive what they need from these rows.
 */
export interface Disease {
  id: string;
  /** Lower-case official name as written in the file (question generation renames one, see questions/library.ts). */
  official: string;
  /** Lower-case surface variants; may include gap patterns ("heart ... enlarged"), which only report text can match. */
  variants: string[];
  location: string;
  /** `original` = in the Medical-Diff-VQA library, `added` = this project's extension. */
  origin: string;
}

export const DISEASE_FILE = 'disease.csv';

/** The bundled library folder's disease file (hashed into the dataset manifest). */
export const defaultDiseaseFile = () => dataPath('libs', DISEASE_FILE);

export function readDiseaseLibrary(dir = dataPath('libs')): Disease[] {
  return readLibraryCsv(dir, DISEASE_FILE, ['id', 'report_name', 'official_name']).map((r) => ({
    id: r.id ?? '',
    official: (r.official_name ?? '').toLowerCase(),
    variants: (r.report_name ?? '')
      .toLowerCase()
      .split(';')
      .map((v) => v.trim())
      .filter(Boolean),
    location: r.location ?? '',
    origin: r.origin ?? 'original',
  }));
}

/** A gap pattern matches report text around other words, never an entity name. */
export const isGapPattern = (variant: string) => variant.includes('...');
