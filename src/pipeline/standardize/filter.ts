import type { Attrs } from '../schemas/keyinfo.js';
import type { ChangeLog } from './changes.js';
import type { StandardizeContext } from './context.js';
import { CATEGORIES, type Work } from './shape.js';
import { combine } from './words.js';

/**
 * §9 step 5: apply the clinicians' reviewed term lists. Rejected entity names
 * are deleted; rejected attribute words move to the attribute they most
 * plausibly belong to, or are cleared. Unlike the original, a moved word is
 * combined with what is already there instead of overwriting it.
 */
export function filterTerms(w: Work, ctx: StandardizeContext, log: ChangeLog): void {
  const rej = ctx.rejected;
  if (!rej) return;
  for (const catName of CATEGORIES) {
    const cat = w[catName];
    for (const name of [...cat.keys()]) {
      if (catName === 'opacity_vs_clear' && name === 'clear') continue;
      const path = `${catName}.${name}`;
      if (rej.entity.has(name)) {
        cat.delete(name);
        log.add('dropped_term', path, name, null, '§9.5 rejected entity');
        continue;
      }
      const a = cat.get(name)!;
      const before: Attrs = { ...a };
      redistribute(a, ctx);
      for (const att of ['location', 'level', 'type'] as const) {
        if (a[att] !== before[att])
          log.add('moved_attribute', `${path}.${att}`, before[att], a[att], '§9.5 rejected attribute word');
      }
    }
  }
}

function redistribute(a: Attrs, ctx: StandardizeContext): void {
  const rej = ctx.rejected!;
  if (a.location !== null && rej.location.has(a.location)) {
    const word = a.location;
    const lev = ctx.levelCount.get(word) ?? 0;
    const typ = ctx.typeCount.get(word) ?? 0;
    const levOk = !rej.level.has(word);
    const typOk = !rej.type.has(word);
    // By which list rejects it, then by frequency; rejected everywhere → left as is (as the original).
    let to: 'level' | 'type' | null = null;
    if (levOk && !typOk) to = 'level';
    else if (!levOk && typOk) to = 'type';
    else if (levOk && typOk) to = lev >= typ ? 'level' : 'type';
    if (to) {
      a[to] = combine(a[to], word);
      a.location = null;
    }
  }
  if (a.level !== null && rej.level.has(a.level)) {
    const word = a.level;
    if (!rej.type.has(word)) {
      a.type = combine(a.type, word, ' ');
      a.level = null;
    } else {
      a.level = null;
    }
  }
  if (a.type !== null && rej.type.has(a.type)) {
    const word = a.type;
    const lev = ctx.levelCount.get(word) ?? 0;
    const ent = ctx.entityCount.get(word) ?? 0;
    if (!rej.level.has(word) && lev >= ent && lev > 0) {
      a.level = combine(a.level, word, ' ');
      a.type = null;
    } else {
      a.type = null;
    }
  }
}
