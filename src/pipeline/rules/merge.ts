import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import type { RefEntity } from '../schemas/reference.js';

const SIDES = ['bilateral', 'bibasilar', 'left', 'right'] as const;

/** The side a finding is on (left/right/bilateral/bibasilar), from its location words or post location. */
export function sideOf(location: readonly string[] | null, post: string | null): string | null {
  const words = new Set([...(location ?? []), ...(post ? post.split(/\s+/) : [])]);
  for (const s of SIDES) if (words.has(s)) return s;
  return null;
}

function filled(f: Pick<RefEntity, 'location' | 'type' | 'level' | 'post_location'>): number {
  return (f.location.length ? 1 : 0) + (f.type.length ? 1 : 0) + (f.level.length ? 1 : 0) + (f.post_location ? 1 : 0);
}

/**
 * §7 step 8: a new name is added; a repeat on a different side becomes the
 * second instance; otherwise the instance with more attributes is kept.
 * On a tie `improved` keeps the first mention (a report usually describes a
 * finding fully where it first names it); `release` keeps the later one, as the
 * published extractor did. Evidence of every mention is kept either way.
 */
export function mergeFinding(into: Record<string, RefEntity>, f: RefEntity, style: Style = DEFAULT_STYLE): void {
  const cur = into[f.entity_name];
  if (!cur) {
    into[f.entity_name] = f;
    return;
  }
  const evidence = addEvidence(cur.evidence, f.evidence);
  const s1 = sideOf(cur.location, cur.post_location);
  const s2 = sideOf(f.location, f.post_location);
  if (s1 && s2 && s1 !== s2 && cur.location2 === null) {
    into[f.entity_name] = {
      ...cur,
      location2: f.location,
      type2: f.type,
      level2: f.level,
      post_location2: f.post_location,
      evidence,
    };
    return;
  }
  if (s1 && s2 && s1 !== s2) return;
  const later = filled(f) - filled(cur);
  if (later > 0 || (later === 0 && style === 'release'))
    into[f.entity_name] = {
      ...cur,
      location: f.location,
      type: f.type,
      level: f.level,
      post_location: f.post_location,
      evidence,
    };
}

/** Evidence kept per finding; a report repeating a finding thousands of times keeps the first ones. */
export const MAX_EVIDENCE = 20;

/** Append in place (merging is called once per mention, so copying would be quadratic). */
export function addEvidence(list: RefEntity['evidence'], more: RefEntity['evidence']): RefEntity['evidence'] {
  for (const ev of more) {
    if (list.length >= MAX_EVIDENCE) break;
    list.push(ev);
  }
  return list;
}
