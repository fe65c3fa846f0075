import type { Attrs } from '../schemas/keyinfo.js';
import { attrsFromWords, mergeAttrs } from './attrs.js';
import type { ChangeLog } from './changes.js';
import { singularize, type StandardizeContext } from './context.js';
import { CATEGORIES, put, type Cat, type Work } from './shape.js';
import {
  combine,
  LEVEL_EXTRA_INDEX,
  LEVEL_INDEX,
  LOCATION_INDEX,
  MODIFIER_INDEX,
  tokens,
  TYPE_EXTRA_INDEX,
  TYPE_INDEX,
  without,
  type PhraseIndex,
} from './words.js';

export interface Mapped {
  name: string;
  attrs: Attrs;
  rules: string[];
}

/** Every name of a record through §9 step 3, then only opacity/clear kept in opacity_vs_clear. */
export function mapNames(w: Work, ctx: StandardizeContext, log: ChangeLog): void {
  for (const catName of CATEGORIES) {
    const out: Cat = new Map();
    for (const [name, attrs] of w[catName]) {
      if (catName === 'opacity_vs_clear' && name === 'clear') {
        put(out, name, attrs);
        continue;
      }
      const m = mapName(name, { ...attrs }, ctx);
      const target = catName === 'opacity_vs_clear' ? opacityKey(m.name) : m.name;
      if (catName === 'opacity_vs_clear' && target !== null && target !== m.name) {
        // Words left around "opacity" (e.g. "basilar", "patchy") are kept as attributes, not lost.
        const rest = tokens(m.name)
          .filter((t) => t !== target)
          .join(' ');
        if (rest) mergeAttrs(m.attrs, attrsFromWords([rest], ctx));
      }
      if (target === null) {
        log.add('dropped_term', `${catName}.${name}`, name, null, '§9.1 only opacity and clear in opacity_vs_clear');
        continue;
      }
      if (target !== name)
        log.add('renamed', `${catName}.${name}`, name, target, m.rules.join(', ') || 'opacity_vs_clear key');
      for (const att of ['location', 'level', 'type'] as const) {
        if (m.attrs[att] !== attrs[att])
          log.add('moved_attribute', `${catName}.${target}.${att}`, attrs[att], m.attrs[att], m.rules.join(', '));
      }
      if (out.has(target)) log.add('merged', `${catName}.${target}`, name, target, 'same name after mapping');
      put(out, target, m.attrs);
    }
    w[catName] = out;
  }
  const items: string[] = [];
  const seen = new Set<string>();
  for (const item of w.no_entity) {
    const m = mapNoEntity(item, ctx);
    if (m === null) {
      log.add('dropped_term', `no_entity.${item}`, item, null, '§9.3 no_entity item is only a location');
      continue;
    }
    if (m !== item) log.add('renamed', `no_entity.${item}`, item, m, '§9.3 name mapping');
    if (!seen.has(m)) {
      seen.add(m);
      items.push(m);
    }
  }
  w.no_entity = items;
}

function opacityKey(name: string): 'opacity' | 'clear' | null {
  if (name === 'opacity' || name === 'clear') return name;
  const t = tokens(name);
  if (t.includes('opacity')) return 'opacity';
  if (t.includes('clear')) return 'clear';
  return null;
}

/** What §9.3 does to a name, independent of its attributes, so it can be computed once per distinct name. */
interface NamePlan {
  name: string;
  /** Location phrases, applied in order, each put before the current location. */
  locations: string[];
  level: string | null;
  type: string | null;
  rules: string[];
}

/** §9.3 for one entity name. Word boundaries throughout; attributes are combined, never overwritten. */
export function mapName(name: string, attrs: Attrs, ctx: StandardizeContext): Mapped {
  let plan = ctx.memo.names.get(name) as NamePlan | undefined;
  if (plan === undefined) {
    plan = planName(name, ctx);
    ctx.memo.remember(ctx.memo.names, name, plan);
  }
  for (const loc of plan.locations) attrs.location = combine(loc, attrs.location);
  if (plan.level !== null) attrs.level = combine(attrs.level, plan.level);
  if (plan.type !== null) attrs.type = combine(attrs.type, plan.type, ' ');
  return { name: plan.name, attrs, rules: plan.rules };
}

function planName(name: string, ctx: StandardizeContext): NamePlan {
  const rules: string[] = [];
  const locations: string[] = [];
  let words = tokens(singularize(name));
  if (words.join(' ') !== name) rules.push('plural');

  // Modifiers: removed only when what remains is a known entity.
  for (let guard = 0; guard < 8; guard++) {
    const m = MODIFIER_INDEX.find(
      words,
      (x) => x.end - x.start < words.length && ctx.entities.has(without(words, x).join(' ')),
    );
    if (!m) break;
    words = without(words, m);
    rules.push(`modifier "${m.phrase}"`);
  }

  if (ctx.protectedNames.has(words.join(' ')))
    return { name: words.join(' '), locations, level: null, type: null, rules };

  // "X-sided Y" → Y, location X-sided.
  const sided = words.findIndex((t, i) => t.endsWith('-sided') && i < words.length - 1);
  if (sided >= 0) {
    locations.push(words.slice(0, sided + 1).join(' '));
    words = words.slice(sided + 1);
    rules.push('sided prefix');
  }

  // "Y in the Z" / "Y on the Z" → Y, location Z (dropping "focus").
  const prep = words.findIndex(
    (t, i) => (t === 'in' || t === 'on') && words[i + 1] === 'the' && i > 0 && i + 2 < words.length,
  );
  if (prep >= 0) {
    const head = words.slice(0, prep).filter((t) => t !== 'focus');
    if (head.length > 0) {
      locations.push(words.slice(prep + 2).join(' '));
      rules.push(`"${words[prep]} the" suffix`);
      words = head;
    }
  }

  const loc = takeAll(words, LOCATION_INDEX);
  if (loc.taken.length) {
    words = loc.rest;
    locations.push(loc.taken.join(' '));
    rules.push('location words');
  }
  const knownRest = (rest: readonly string[]) => ctx.entities.has(rest.join(' '));
  // §9's words always move; the extra words only when a known entity remains.
  const takeAttr = (base: PhraseIndex, extra: PhraseIndex, rule: string): string[] => {
    const first = takeAll(words, base);
    const more = takeAll(first.rest, extra, knownRest);
    const taken = [...first.taken, ...more.taken];
    if (taken.length) {
      words = more.rest;
      rules.push(rule);
    }
    return taken;
  };
  const lev = { taken: takeAttr(LEVEL_INDEX, LEVEL_EXTRA_INDEX, 'level words') };
  const typ = { taken: takeAttr(TYPE_INDEX, TYPE_EXTRA_INDEX, 'type words') };
  return {
    name: words.join(' '),
    locations,
    level: lev.taken.length ? lev.taken.join(' ') : null,
    type: typ.taken.length ? typ.taken.join(' ') : null,
    rules,
  };
}

/** Remove every phrase of the list from the words, as long as something remains (and `accept` allows what remains). */
function takeAll(
  words: string[],
  index: PhraseIndex,
  accept: (rest: readonly string[]) => boolean = () => true,
): { taken: string[]; rest: string[] } {
  const taken: string[] = [];
  let rest = words;
  for (let guard = 0; guard < 8; guard++) {
    const m = index.find(rest, (x) => x.end - x.start < rest.length && accept(without(rest, x)));
    if (!m) break;
    taken.push(m.phrase);
    rest = without(rest, m);
  }
  return { taken, rest };
}

/** §9.3 for a no_entity item; null when the item is only a location. */
export function mapNoEntity(item: string, ctx: StandardizeContext): string | null {
  if (LOCATION_INDEX.covers(tokens(item))) return null;
  const m = mapName(item, { location: null, level: null, type: null }, ctx);
  if (m.name === '' || LOCATION_INDEX.covers(tokens(m.name))) return null;
  return m.name;
}
