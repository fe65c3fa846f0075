import { EMPTY_ATTRS, type Attrs, type StrictKeyInfo } from '../schemas/keyinfo.js';
import type { RefEntity, ReferenceRecord } from '../schemas/reference.js';

function words(list: readonly string[] | null): string {
  return (list ?? []).join(' ');
}

function place(location: readonly string[] | null, post: string | null): string {
  const loc = words(location);
  const p = post ? post.replace(/^the\s+/, '') : '';
  return [loc, p].filter(Boolean).join(', ');
}

function join(a: string, b: string): string | null {
  const v = [a, b].filter(Boolean).join(', ');
  return v === '' ? null : v;
}

export function refEntityAttrs(e: RefEntity): Attrs {
  return {
    location: join(place(e.location, e.post_location), place(e.location2, e.post_location2)),
    level: join(words(e.level), words(e.level2)),
    type: join(words(e.type), words(e.type2)),
  };
}

/**
 * A reference record in the strict KeyInfo form (used by `extract --backend rules`):
 * word lists joined with spaces, the second instance after a comma, empty → null;
 * hedged → uncertain_entity, negatives → no_entity; an opacity is also reported
 * under opacity_vs_clear.
 */
export function referenceToKeyInfo(ref: ReferenceRecord): StrictKeyInfo {
  const entity: Record<string, Attrs> = {};
  for (const [name, e] of Object.entries(ref.entity)) entity[name] = refEntityAttrs(e);
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
