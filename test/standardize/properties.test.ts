import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StrictKeyInfoSchema } from '../../src/pipeline/schemas/keyinfo.js';
import { buildContext, type StandardizeContext } from '../../src/pipeline/standardize/context.js';
import { standardizeRecord } from '../../src/pipeline/standardize/record.js';

const NAMES = [
  'effusion',
  'pleural effusions',
  'left-sided effusion',
  'new atelectasis',
  'opacity in the left lung',
  'small pneumothorax',
  'focal consolidation concerning for pneumonia',
  'focal parenchymal opacity suggesting pneumonia',
  'hilar congestion',
  'volume loss',
  'cardiomegaly',
  'edema',
  'right lung',
  'location',
  'catheter tip',
  'acute focal opacities',
  'Bilateral  Lower Lobe  Opacity',
  '__proto__',
  '',
];
const WORDS = [
  'left',
  'right lower lobe',
  'small',
  'mild',
  'layering',
  'low',
  'mucosal',
  'subcutaneous',
  'pericardial',
  'bibasilar',
  'a: b, c: d',
  'left: small',
];

function ctxWith(rejected = false): StandardizeContext {
  return buildContext(
    {
      entity: [
        ['effusion', 50],
        ['pleural effusion', 40],
        ['atelectasis', 30],
        ['pneumonia', 20],
        ['opacity', 20],
        ['edema', 10],
        ['pneumothorax', 10],
      ],
      location: [
        ['left', 30],
        ['right lower lobe', 10],
        ['bibasilar', 5],
      ],
      level: [
        ['small', 30],
        ['mild', 20],
        ['low', 5],
      ],
      type: [
        ['layering', 10],
        ['small', 2],
      ],
    },
    {
      highThreshold: 5,
      rejected: rejected
        ? {
            entity: new Set(['edema']),
            location: new Set(['small', 'bibasilar']),
            level: new Set(['layering', 'mild']),
            type: new Set(['layering', 'low']),
          }
        : null,
    },
  );
}

/** The messy shapes of docs/method.md §3, built from the words above. */
const word = fc.constantFrom(...WORDS);
const nameArb = fc.constantFrom(...NAMES);
const scalar = fc.oneof(word, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(''));
const attrVal = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(word, fc.oneof(scalar, fc.record({ level: word, type: word })), { maxKeys: 3 }),
);
const attrs = fc.oneof(
  fc.record({ location: attrVal, level: attrVal, type: attrVal }, { requiredKeys: [] }),
  fc.array(word, { maxLength: 3 }),
  fc.array(fc.record({ location: attrVal, level: attrVal, type: attrVal }, { requiredKeys: [] }), { maxLength: 3 }),
  scalar,
);
const entityValue = fc.oneof(
  attrs,
  fc.dictionary(nameArb, attrs, { maxKeys: 2 }).map((nested) => ({ location: 'left', ...nested })),
);
const category = fc.oneof(
  fc.dictionary(nameArb, entityValue, { maxKeys: 5 }),
  fc.array(fc.oneof(nameArb, fc.record({ description: nameArb, location: attrVal }), fc.record({ type: nameArb })), {
    maxLength: 4,
  }),
  fc.record({ description: nameArb, location: attrVal, level: attrVal, type: attrVal }),
  nameArb,
  scalar,
);
const messy = fc.record(
  {
    entity: category,
    uncertain_entity: category,
    opacity_vs_clear: fc.oneof(category, fc.record({ opacity: attrs, clear: attrs }, { requiredKeys: [] })),
    no_entity: fc.oneof(
      fc.array(fc.oneof(nameArb, word, scalar), { maxLength: 4 }),
      nameArb,
      fc.dictionary(nameArb, scalar, { maxKeys: 3 }),
      scalar,
    ),
  },
  { requiredKeys: [] },
);

/** Wraps every object reachable from `value` so that each property read, key listing and key check counts. */
function countingReads<T>(value: T, reads: { count: number }, seen = new WeakMap<object, object>()): T {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known) return known as T;
  // Stops an unbounded walk at the bound instead of letting it run for hours.
  const count = () => {
    if (++reads.count > MAX_READS) throw new Error(`more than ${MAX_READS} reads of the input`);
  };
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      count();
      return countingReads(Reflect.get(target, key, receiver), reads, seen);
    },
    ownKeys(target) {
      count();
      return Reflect.ownKeys(target);
    },
    has(target, key) {
      count();
      return Reflect.has(target, key);
    },
  });
  seen.set(value, proxy);
  return proxy;
}
const MAX_READS = 200_000;

function check(raw: unknown, ctx: StandardizeContext) {
  const first = standardizeRecord(raw, ctx);
  expect(first.error).toBeUndefined();
  expect(StrictKeyInfoSchema.safeParse(first.keyinfo).success).toBe(true);
  const second = standardizeRecord(first.keyinfo, ctx);
  expect(second.keyinfo).toEqual(first.keyinfo);
  expect(second.changes).toEqual([]);
}

describe('standardizeRecord properties', () => {
  it('any JSON value → strict KeyInfo, never a throw, idempotent', () => {
    const ctx = ctxWith();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (raw) => check(raw, ctx)),
      { numRuns: 400 },
    );
  });

  it('objects with the four keys holding any JSON → strict, idempotent', () => {
    const ctx = ctxWith();
    const anyJson = fc.jsonValue({ maxDepth: 5 });
    fc.assert(
      fc.property(
        fc.record(
          { entity: anyJson, uncertain_entity: anyJson, opacity_vs_clear: anyJson, no_entity: anyJson },
          { requiredKeys: [] },
        ),
        (raw) => check(raw, ctx),
      ),
      { numRuns: 400 },
    );
  });

  it('the messy shapes of §3 → strict, idempotent (with and without reviewed term lists)', () => {
    for (const rejected of [false, true]) {
      const ctx = ctxWith(rejected);
      fc.assert(
        fc.property(messy, (raw) => check(raw, ctx)),
        { numRuns: 600 },
      );
    }
  });

  it('huge and deep inputs are bounded, not fatal', () => {
    const ctx = ctxWith();
    let deep: unknown = { location: 'left' };
    for (let i = 0; i < 5000; i++) deep = { effusion: deep, [`n${i}`]: [deep] };
    const hugeName = 'effusion '.repeat(200_000);
    const manyKeys = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`finding ${i}`, { location: 'left' }]),
    );
    let deepList: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deepList = [deepList];
    for (const raw of [
      { entity: deep },
      { entity: { [hugeName]: { location: hugeName } }, no_entity: hugeName },
      { entity: manyKeys, uncertain_entity: manyKeys },
      { entity: deepList, no_entity: deepList, opacity_vs_clear: deepList },
    ]) {
      const reads = { count: 0 };
      check(countingReads(raw, reads), ctx);
      // Bounded work, counted rather than timed: `deep` shares its subtrees, so a walk without the depth and
      // entry limits reads exponentially many properties (it trips the bound), and a quadratic pass over the
      // 20,000 keys would read 400 million. Today's walk reads ~45,000 (each key once).
      expect(reads.count).toBeLessThan(MAX_READS);
    }
    const big = standardizeRecord({ entity: manyKeys }, ctx);
    expect(Object.keys(big.keyinfo.entity).length).toBeLessThanOrEqual(500);
    expect(big.changes.some((c) => c.rule.startsWith('limit'))).toBe(true);
    const huge = standardizeRecord({ entity: { [hugeName]: {} } }, ctx);
    expect(Object.keys(huge.keyinfo.entity)[0]!.length).toBeLessThanOrEqual(200);
  });
});
