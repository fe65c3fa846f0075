import { z } from 'zod';

/**
 * How the dataset-shaping steps behave: `improved` (default) keeps cxrvqa's own choices;
 * `release` reproduces the published dataset's behaviour, except for outright bugs that give
 * wrong answers (docs/differences.md lists each difference and its class).
 */
export const StyleSchema = z.enum(['improved', 'release']);
export type Style = z.infer<typeof StyleSchema>;
export const DEFAULT_STYLE: Style = 'improved';
