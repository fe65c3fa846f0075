import { z } from 'zod';
import { defineStateSection } from '../../pipeline/index.js';
import { SCREENS } from './types.js';

/** Where the app was, kept in the run state's `ui` slot so reopening restores the screen. */
export const UiPositionSchema = z.object({
  screen: z.enum(SCREENS).optional().catch(undefined),
  selectedStep: z.string().nullable().catch(null).default(null),
  inspectorStudy: z.string().nullable().catch(null).default(null),
});
export type SavedPosition = z.infer<typeof UiPositionSchema>;

export const UI_POSITION = defineStateSection({ slot: 'ui', schema: UiPositionSchema });
