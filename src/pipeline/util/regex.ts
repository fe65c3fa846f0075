/** Text as a literal inside a RegExp source (every syntax character and "/" escaped). */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
