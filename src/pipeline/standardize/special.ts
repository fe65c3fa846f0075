import type { Attrs } from '../schemas/keyinfo.js';
import type { ChangeLog } from './changes.js';
import { put, type Cat, type Work } from './shape.js';
import { tokens } from './words.js';

/**
 * §9 step 4. The original ran this after name mapping had already stripped
 * "focal" (a type word), so its "focal consolidation concerning for pneumonia"
 * rules never fired; both forms are matched here.
 */
const CONSOLIDATION_PNEUMONIA = new Set([
  'focal consolidation concerning for pneumonia',
  'consolidation concerning for pneumonia',
]);
const OPACITY_PNEUMONIA = new Set([
  'focal parenchymal opacity suggesting pneumonia',
  'parenchymal opacity suggesting pneumonia',
  'opacity suggesting pneumonia',
]);
const DROPPED = new Set(['pulmonary arteries', 'pulmonary artery', 'pacemaker']);
const DEVICE_WORDS = ['equipment', 'shunt', 'hardware', 'catheter'];

function hasWord(s: string | null, ...words: string[]): boolean {
  if (s === null) return false;
  const t = tokens(s.replace(/,/g, ' '));
  return words.some((w) => t.includes(w));
}

function isDevice(words: string[]): boolean {
  return words.some((t) => DEVICE_WORDS.some((d) => t === d || t === `${d}s`));
}

export function fixSpecialFindings(w: Work, log: ChangeLog): void {
  for (const catName of ['entity', 'uncertain_entity'] as const) {
    const cat = w[catName];
    for (const name of [...cat.keys()]) {
      const attrs = cat.get(name);
      if (!attrs) continue;
      const words = wordsOf(name);
      const path = `${catName}.${name}`;
      const rename = (to: string, rule: string) => renameIn(cat, name, to, attrs, log, path, rule);
      if ((words.includes('volume') && words.includes('loss')) || name === 'atelectasis') {
        if (hasWord(attrs.level, 'low') || hasWord(attrs.type, 'low'))
          rename('low lung volume', '§9.4 low lung volume');
      } else if (name === 'edema') {
        if (hasWord(attrs.level, 'mucosal', 'mucous') || hasWord(attrs.type, 'mucosal', 'mucous'))
          rename('mucosal edema', '§9.4 mucosal edema');
      } else if (name === 'emphysema') {
        if (hasWord(attrs.type, 'subcutaneous')) rename('subcutaneous emphysema', '§9.4 subcutaneous emphysema');
      } else if (words.includes('effusion')) {
        if (name !== 'pericardial effusion' && hasWord(attrs.type, 'pericardial'))
          rename('pericardial effusion', '§9.4 pericardial effusion');
      } else if (CONSOLIDATION_PNEUMONIA.has(name)) {
        cat.delete(name);
        addIfAbsent(cat, 'consolidation', attrs);
        addIfAbsent(cat, 'pneumonia', attrs);
        log.add('split', path, name, ['consolidation', 'pneumonia'], '§9.4 consolidation concerning for pneumonia');
      } else if (OPACITY_PNEUMONIA.has(name)) {
        // The original wrote to `clear_vs_opacity` here and crashed (§12).
        cat.delete(name);
        addIfAbsent(w.opacity_vs_clear, 'opacity', attrs);
        addIfAbsent(cat, 'pneumonia', attrs);
        log.add('split', path, name, ['opacity_vs_clear.opacity', 'pneumonia'], '§9.4 opacity suggesting pneumonia');
      } else if (DROPPED.has(name) || isDevice(words)) {
        cat.delete(name);
        log.add('dropped_term', path, name, null, '§9.4 not an abnormality (device or anatomy)');
      } else if (name === 'hilar congestion') {
        attrs.type = attrs.type === null ? 'hilar' : hasWord(attrs.type, 'hilar') ? attrs.type : `${attrs.type} hilar`;
        rename('vascular congestion', '§9.4 hilar congestion');
      } else if (name === 'cardiomegaly' && attrs.location !== null) {
        log.add('special', `${path}.location`, attrs.location, null, '§9.4 cardiomegaly has no location');
        attrs.location = null;
      }
    }
  }
}

function renameIn(cat: Cat, name: string, to: string, attrs: Attrs, log: ChangeLog, path: string, rule: string): void {
  cat.delete(name);
  put(cat, to, attrs);
  log.add('special', path, name, to, rule);
}

const NO_WORDS: string[] = [];
/** Only names containing one of the trigger words need splitting; most do not. */
function wordsOf(name: string): string[] {
  return name.includes('volume') || name.includes('effusion') || DEVICE_WORDS.some((d) => name.includes(d))
    ? tokens(name)
    : NO_WORDS;
}

function addIfAbsent(cat: Cat, name: string, attrs: Attrs): void {
  if (!cat.has(name)) cat.set(name, { ...attrs });
}
