import { loadLibs } from '../src/pipeline/rules/libs.js';
const libs = loadLibs();
const s = 'the heart size is mildly enlarged and there is a small left pleural effusion with adjacent atelectasis. no pneumothorax is seen. lungs are otherwise clear without focal consolidation and the osseous structures are intact with mild degenerative changes of the thoracic spine. '.repeat(2);
let t = Date.now(); let n = 0;
for (let i = 0; i < 20000; i++) { n += libs.disease.find(s).length; n += libs.cues.find(s).length; }
console.log(n, (Date.now() - t) / 20000 * 1000, 'us per', s.length, 'chars');
