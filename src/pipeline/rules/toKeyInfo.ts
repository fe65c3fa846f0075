import { DEFAULT_STYLE, type Style } from '../schemas/style.js';
import { EMPTY_ATTRS, type Attrs, type StrictKeyInfo } from '../schemas/keyinfo.js';
import type { RefEntity, ReferenceRecord } from '../schemas/reference.js';

function words(list: readonly string[] | null): string {
  return (list ?? []).join(' ');
}

/**
 * How parts of one attribute are joined: ", " reads as a list in an answer; the
 * published dataset joined them with a bare ",".
 */
export function listSeparator(style: Style): string {
  return style === 'release' ? ',' : ', ';
}

function place(location: readonly string[] | null, post: string | null, sep: string): string {
  const loc = words(location);
  const p = post ? post.replace(/^the\s+/, '') : '';
  return [loc, p].filter(Boolean).join(sep);
}

function join(a: string, b: string, sep: string): string | null {
  const v = [a, b].filter(Boolean).join(sep);
  return v === '' ? null : v;
}

export function refEntityAttrs(e: RefEntity, style: Style = DEFAULT_STYLE): Attrs {
  const sep = listSeparator(style);
  return {
    location: join(place(e.location, e.post_location, sep), place(e.location2, e.post_location2, sep), sep),
    level: join(words(e.level), words(e.level2), sep),
    type: join(words(e.type), words(e.type2), sep),
  };
}

/**
 * A reference record in the strict KeyInfo form (used by `extract --backend rules`):
 * word lists joined with spaces, the second instance after `listSeparator(style)`, empty → null;
 * hedged → uncertain_entity, negatives → no_entity; an opacity is also reported
 * under opacity_vs_clear.
 */
export function referenceToKeyInfo(ref: ReferenceRecord, style: Style = DEFAULT_STYLE): StrictKeyInfo {
  const entity: Record<string, Attrs> = {};
  for (const [name, e] of Object.entries(ref.entity)) entity[name] = refEntityAttrs(e, style);
  const uncertain: Record<string, Attrs> = {};
  for (const name of ref.uncertain_entity) uncertain[name] = { ...EMPTY_ATTRS };
  const opacity = entity['opacity'];
  return {
    opacity_vs_clear: opacity ? { opacity: { ...opacity } } : {},
    entity,
    uncertain_entity: uncertain,
    no_entity: [...ref.no_entity],
  };
}
