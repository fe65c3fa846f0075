/**
 * How a clinician's comment on a reviewed term is read (docs/standardize.md "Reviewed term
 * lists"). One rule for both styles: the published code kept a term whose comment merely
 * contained "OK" (so "Not OK" kept it) and dropped one marked "ok" in lower case; both turn a
 * reviewer's verdict into its opposite, so `release` does not reproduce them
 * (docs/differences.md Part 1).
 *
 * - blank (empty or whitespace only): not objected to, the term is kept;
 * - an approval, alone or followed by a note after a separator ("OK", "ok.", "Okay",
 *   "OK - keep", "yes, fine"): kept;
 * - a rejection ("not ok", "NOT OK", "no", "remove ...", "wrong", "x"): rejected;
 * - anything else (a question such as "ok?", a correction, free text): rejected, because the
 *   reviewer raised something, and reported as `unclear` so the sheet can be fixed.
 */

export type CommentVerdict = 'keep' | 'reject' | 'unclear';

const APPROVALS = ['ok', 'okay', 'keep', 'yes', 'y', 'correct', 'fine', 'good', 'approve', 'approved', 'accept'];
const REJECTIONS = [
  'not ok',
  'not okay',
  'no',
  'n',
  'x',
  'remove',
  'delete',
  'drop',
  'reject',
  'rejected',
  'wrong',
  'incorrect',
  'bad',
  'not a finding',
];
/** Words that make an approval-looking comment doubtful ("ok but remove plural"). */
const DOUBT = /\b(?:not|no|but|except|remove|delete|drop|reject|wrong|unless|check)\b|\?/;

function startsWithWord(text: string, words: readonly string[]): boolean {
  return words.some((w) => text === w || (text.startsWith(w) && /^[\s\-–—:;,.!)]/.test(text.slice(w.length))));
}

export function commentVerdict(comment: string): CommentVerdict {
  const c = comment.replace(/\s+/g, ' ').trim().toLowerCase();
  if (c === '') return 'keep';
  // Rejections first: "not ok" starts with neither approval word but contains one.
  if (startsWithWord(c, REJECTIONS)) return 'reject';
  if (startsWithWord(c, APPROVALS) && !DOUBT.test(c)) return 'keep';
  return 'unclear';
}
