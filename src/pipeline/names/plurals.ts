/** The §9 plural map (docs/method.md), plus a few forms the rules library produces. Keys are plural words. */
export const PLURALS: Readonly<Record<string, string>> = {
  fractures: 'fracture',
  effusions: 'effusion',
  opacities: 'opacity',
  pneumothoraces: 'pneumothorax',
  infiltrates: 'infiltrate',
  consolidations: 'consolidation',
  abnormalities: 'abnormality',
  changes: 'change',
  nodules: 'nodule',
  markings: 'marking',
  vessels: 'vessel',
  findings: 'finding',
  lungs: 'lung',
  lesions: 'lesion',
  volumes: 'volume',
  granulomas: 'granuloma',
  granulomata: 'granuloma',
  ribs: 'rib',
  deformities: 'deformity',
  complications: 'complication',
  metastases: 'metastasis',
  calcifications: 'calcification',
  opacifications: 'opacification',
  loops: 'loop',
  clips: 'clip',
  osteophytes: 'osteophyte',
  structures: 'structure',
  densities: 'density',
  hemidiaphragms: 'hemidiaphragm',
  interstital: 'interstitial',
  atelectases: 'atelectasis',
  masses: 'mass',
  cysts: 'cyst',
  hernias: 'hernia',
  contusions: 'contusion',
  hematomas: 'hematoma',
};

/** Singular form of one word (the §9 map only: generic suffix stripping breaks words like "pneumothorax"/"atelectasis"). */
export function singularWord(word: string): string {
  return PLURALS[word] ?? word;
}
