import type { Evidence, RefEntity, ReferenceRecord } from '../schemas/reference.js';
import { classify, postLocation, preAttributes, type MentionAttrs } from './attributes.js';
import type { Libs } from './libs.js';
import { mentionPolarities, type Polarity, type PolarityOptions } from './polarity.js';
import { ruleCut, safeLower, splitSentences } from './text.js';
import { addEvidence, mergeFinding } from './merge.js';
import { chestPartOnly } from '../ingest/sections.js';
import type { Style } from '../schemas/style.js';

/** What the extractor needs of a report (a ReportRecord has all of it). */
export interface RuleInput {
  study_id: string;
  subject_id?: string;
  text: string;
  /** Rule cut of `text` (§2); computed from `text` when absent. */
  rule_text?: string;
  /** Offset of rule_text in text; -1 = unknown (then looked up, else spans are -1). */
  rule_offset?: number;
}

export interface ExtractOptions extends PolarityOptions {
  /** Tie-breaking between two mentions of a finding (merge.ts); the libraries' variants come from `libsFor(style)`. */
  style?: Style;
}
export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = { likely: 'uncertain' };

const HEADER = /^\s*([A-Z][A-Z /&-]{2,40}):/;
/** Sections about why the study was done, not what it shows (reached when the rule cut falls back to the whole text). */
const SKIPPED_SECTIONS = /HISTORY|INDICATION|REASON|COMPARISON|TECHNIQUE|EXAMINATION|CLINICAL|NOTIFICATION/;

/**
 * The rule-based reference KeyInfo of one report (docs/method.md §7 with the §12
 * fixes, see docs/rules.md). Pure: never throws on text content.
 */
export function extractReference(
  report: RuleInput,
  libs: Libs,
  opts: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): ReferenceRecord {
  const record: ReferenceRecord = {
    study_id: report.study_id,
    subject_id: report.subject_id ?? '',
    entity: {},
    no_entity: [],
    uncertain_entity: [],
    no_entity_evidence: {},
    uncertain_evidence: {},
  };
  const text = typeof report.text === 'string' ? report.text : '';
  let ruleText = report.rule_text;
  let offset = report.rule_offset ?? -1;
  if (typeof ruleText !== 'string') ({ rule_text: ruleText, rule_offset: offset } = ruleCut(text));
  if (offset < 0 || text.slice(offset, offset + ruleText.length) !== ruleText) {
    const found = text.indexOf(ruleText);
    offset = found;
  }
  // Same length, so offsets hold: only the other exam's words are blanked.
  ruleText = chestPartOnly(ruleText);

  const negatives = new Map<string, Evidence[]>();
  const uncertain = new Map<string, Evidence[]>();
  let skipSection = false;
  for (const sentence of splitSentences(ruleText)) {
    const header = HEADER.exec(sentence.text);
    if (header) skipSection = SKIPPED_SECTIONS.test(header[1]!);
    else if (sentence.paragraph) skipSection = false;
    if (skipSection) continue;
    const lower = safeLower(sentence.text).replace(/\s/g, ' ');
    const mentions = libs.disease.find(lower);
    if (mentions.length === 0) continue;
    const cues = libs.cues.find(lower);
    const polarity: Polarity[] = mentionPolarities(lower, mentions, cues, opts);
    // One finding per disease per sentence (§7 step 3), the first mention.
    const seen = new Set<string>();
    for (let i = 0; i < mentions.length; i++) {
      const m = mentions[i]!;
      const name = m.disease.official;
      // A non-finding phrase ("catheter fracture") or a past condition ("history of pneumonia").
      if (!name || polarity[i] === 'none') continue;
      const start = sentence.start + m.start;
      const evidence: Evidence = {
        sentence: sentence.index,
        start: offset >= 0 ? offset + start : -1,
        end: offset >= 0 ? offset + start + (m.end - m.start) : -1,
        text: sentence.text.slice(m.start, m.end),
      };
      const pol = polarity[i]!;
      if (pol === 'negative') {
        addTo(negatives, name, evidence);
        continue;
      }
      if (pol === 'uncertain') {
        addTo(uncertain, name, evidence);
        continue;
      }
      if (seen.has(name)) {
        const cur = record.entity[name];
        if (cur) addEvidence(cur.evidence, [evidence]);
        continue;
      }
      seen.add(name);
      const attrs: MentionAttrs = { location: [], type: [], level: [], post_location: null };
      // Mentions can nest (a finding inside a gapped one): neighbours are the ones outside this span.
      let prevEnd = 0;
      for (let j = 0; j < i; j++) if (mentions[j]!.end <= m.start) prevEnd = Math.max(prevEnd, mentions[j]!.end);
      const nextStart = mentions.find((n) => n.start >= m.end)?.start ?? lower.length;
      preAttributes(stripCues(lower.slice(prevEnd, m.start)), libs, attrs);
      // Words of the mention beyond the official name describe it too: "interstitial opacity",
      // "calcified left upper lobe granuloma", "heart is mildly enlarged".
      const span = lower.slice(m.start, m.end);
      if (/\s/.test(span)) {
        const own = new Set(name.split(' '));
        classify(
          span.split(/[\s,/]+/).filter((w) => !own.has(w)),
          libs,
          attrs,
        );
      }
      attrs.post_location = postLocation(lower.slice(m.end, nextStart), libs);
      const finding: RefEntity = {
        entity_name: name,
        location: attrs.location,
        type: attrs.type,
        level: attrs.level,
        post_location: attrs.post_location,
        location2: null,
        type2: null,
        level2: null,
        post_location2: null,
        evidence: [evidence],
      };
      mergeFinding(record.entity, finding, opts.style);
    }
  }
  // Conflicts across sentences: a positive statement beats a hedge, a hedge beats a negation (docs/rules.md).
  for (const [name, ev] of uncertain) {
    if (record.entity[name]) continue;
    record.uncertain_entity.push(name);
    record.uncertain_evidence[name] = ev;
  }
  for (const [name, ev] of negatives) {
    if (record.entity[name] || uncertain.has(name)) continue;
    record.no_entity.push(name);
    record.no_entity_evidence[name] = ev;
  }
  return record;
}

/** Pre-attribute text stops at the last cue word ("no large" → "large" is fine, "possible" is not a level). */
function stripCues(pre: string): string {
  return pre.replace(
    /^.*(?<![a-z])(?:no|not|without|possible|possibly|probable|likely|may|could|might|suspected|new)(?![a-z])/,
    '',
  );
}

function addTo(map: Map<string, Evidence[]>, name: string, ev: Evidence): void {
  const list = map.get(name);
  if (list) addEvidence(list, [ev]);
  else map.set(name, [ev]);
}
