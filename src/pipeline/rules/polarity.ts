import type { CueMatch } from './matchers.js';
import type { DiseaseMatch } from './matchers.js';

/**
 * Polarity of each disease mention in one sentence (replaces §7 steps 1–2).
 *
 * A pre cue (`no`, `possible`, `no change in`) governs the mentions after it
 * until a termination word (`but`, `however`, ...), the sentence end, or a
 * later pre cue. A post cue (`is not seen`, `has resolved`, `cannot be
 * excluded`) governs the mention before it and, through list connectors
 * (`,` `and` `or`), the mentions listed before that one. `versus` hedges both
 * neighbours only. Negation words inside a gapped mention ("heart is not enlarged")
 * negate it. A negation (or history) scope also ends at `with` and at a comma
 * that starts a new clause with its own subject ("no effusion, the heart is
 * enlarged"). `none` = not a finding of this study ("history of pneumonia").
 */
export type Polarity = 'positive' | 'negative' | 'uncertain' | 'none';

export interface PolarityOptions {
  /** How "likely X" is read; CheXpert-style labelers count it positive. */
  likely: 'positive' | 'uncertain';
}

const CONNECTOR =
  /^[\s,]*(?:(?:and\/or|and|or|nor|as well as|with|or of)[\s,]+)?(?:(?:the|a|an|any|of|other|signs of|evidence of|focal|large|small|acute|new|definite|significant|overt|frank|pulmonary|lung|left|right|bilateral)[\s,]+)*$/;

function kindToPolarity(
  kind: CueMatch['kind'],
  current: Polarity | 'pseudo',
  opts: PolarityOptions,
): Polarity | 'pseudo' {
  switch (kind) {
    case 'negation':
      return 'negative';
    case 'pseudo':
      return 'pseudo';
    case 'hedge':
      return 'uncertain';
    case 'hedge_weak':
      // "no opacity to suggest pneumonia": a weak hedge inside a negation scope keeps the negation.
      return current === 'negative' || current === 'none' ? current : 'uncertain';
    case 'likely':
      return current === 'negative' || current === 'none' ? current : opts.likely;
    case 'termination':
      return 'positive';
    case 'history':
      return 'none';
    case 'negation_end':
      return current === 'negative' || current === 'none' ? 'positive' : current;
    case 'neutral':
      return current;
  }
}

// ", the heart is ...": a comma, a determiner-led subject of at most four words, a verb.
const NEW_SUBJECT =
  /,\s*(?:the|this|these|his|her|its|their)\s+(?:[a-z-]+\s+){0,3}?(?:is|are|was|were|has|have|remains?|appears?|demonstrates?|shows?)(?![a-z])/g;

/** Clause starts after a comma, as cues that end a negation scope. */
function newSubjects(text: string): CueMatch[] {
  const out: CueMatch[] = [];
  NEW_SUBJECT.lastIndex = 0;
  for (let m: RegExpExecArray | null; (m = NEW_SUBJECT.exec(text)) !== null;)
    out.push({ cue: ',', kind: 'negation_end', position: 'pre', start: m.index, end: m.index + 1 });
  return out;
}

export function mentionPolarities(
  text: string,
  mentions: readonly DiseaseMatch[],
  found: readonly CueMatch[],
  opts: PolarityOptions,
): Polarity[] {
  const cues = text.includes(',') ? [...found, ...newSubjects(text)].sort((a, b) => a.start - b.start) : found;
  // Cues overlapping a mention belong to the mention ("not" in "heart is not enlarged" is handled below).
  const outside = cues.filter((c) => !mentions.some((m) => c.start < m.end && c.end > m.start));
  const result: Polarity[] = [];
  // The post cue that decided each mention, if any.
  const fromPost: Array<CueMatch | null> = [];
  for (let i = 0; i < mentions.length; i++) {
    const m = mentions[i]!;
    const inner = cues.some((c) => c.kind === 'negation' && c.start >= m.start && c.end <= m.end);
    if (inner) {
      result.push('negative');
      fromPost.push(null);
      continue;
    }
    // Pre scope: replay the cues before the mention.
    let state: Polarity | 'pseudo' = 'positive';
    for (const c of outside) {
      if (c.end > m.start) break;
      if (c.position === 'post' && c.kind !== 'termination') continue;
      if (c.position === 'both' && !followedByMention(c, mentions, outside, text)) continue;
      if (c.position === 'around' && !adjacent(c, m, mentions, i)) continue;
      state = kindToPolarity(c.kind, state, opts);
    }
    // Post scope: the first post cue between this mention and the next one (or a termination).
    const next = mentions.find((n) => n.start >= m.end);
    const limit = next ? next.start : text.length;
    let post: Polarity | 'pseudo' | null = null;
    let postCue: CueMatch | null = null;
    for (const c of outside) {
      if (c.start < m.end) continue;
      if (c.start >= limit) break;
      if (c.kind === 'termination') break;
      if (c.position === 'pre') continue;
      if (c.position === 'both' && followedByMention(c, mentions, outside, text)) continue;
      post = kindToPolarity(c.kind, 'positive', opts);
      postCue = c;
      break;
    }
    const chosen = post ?? state;
    result.push(chosen === 'pseudo' ? 'positive' : chosen);
    fromPost.push(postCue);
  }
  // A post cue also covers the mentions listed before its own ("atelectasis or pneumonia cannot be excluded");
  // `versus` does not: "opacity, atelectasis versus infiltrate" hedges only its two neighbours.
  for (let i = mentions.length - 2; i >= 0; i--) {
    const cue = fromPost[i + 1];
    if (!cue || fromPost[i] || cue.position === 'around') continue;
    const between = text.slice(mentions[i]!.end, mentions[i + 1]!.start);
    if (CONNECTOR.test(between) && result[i] === 'positive') {
      result[i] = result[i + 1]!;
      fromPost[i] = cue;
    }
  }
  return result;
}

/** Whether a `both` cue introduces a later mention in its scope (then it is a pre cue, not a post cue). */
function followedByMention(
  c: CueMatch,
  mentions: readonly DiseaseMatch[],
  cues: readonly CueMatch[],
  text: string,
): boolean {
  const term = cues.find((t) => t.kind === 'termination' && t.start >= c.end);
  const limit = term ? term.start : text.length;
  return mentions.some((m) => m.start >= c.end && m.start < limit);
}

/** `versus` hedges the mentions right before and right after it. */
function adjacent(c: CueMatch, m: DiseaseMatch, mentions: readonly DiseaseMatch[], i: number): boolean {
  const prev = mentions[i - 1];
  return c.end <= m.start && (!prev || prev.end <= c.start);
}
