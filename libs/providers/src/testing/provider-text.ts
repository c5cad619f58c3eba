/*
 * Models of how each provider's framework treats the strings it is sent, for the specs that
 * check a driver's expectedEcho against what the provider would hold. Test support only.
 */

/** Python's str.isspace() characters (Django REST framework's CharField strips these). */
const PYTHON_SPACE =
  '\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/** Python's str.strip() with no argument. */
export function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PYTHON_SPACE.includes(text[start])) start++;
  while (end > start && PYTHON_SPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * Laravel's TrimStrings (Str::trim): PCRE `\s` in Unicode mode — Unicode White_Space, which JS's
 * `\s` covers but for U+0085 and U+FEFF — plus U+FEFF, U+200B and U+200E; then
 * ConvertEmptyStringsToNull.
 */
export function laravelTrim(text: string): string | null {
  const trimmed = text.replace(/^[\s\u0085\u200b\u200e]+|[\s\u0085\u200b\u200e]+$/g, '');
  return trimmed === '' ? null : trimmed;
}

/** The sandbox's simulators: JavaScript's trim(). */
export function javascriptTrim(text: string): string {
  return text.trim();
}

/** Characters the models disagree about, to mix into generated strings. */
export const EDGE_CHARACTERS = [
  ' ',
  '\t',
  '\n',
  '\u001c',
  '\u001f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200e',
  '\u2028',
  '\u3000',
  '\ufeff',
  'x',
  'é',
  '0',
];
