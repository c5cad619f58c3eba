/*
 * Providers strip whitespace from the ends of the strings they are sent, each by its own
 * framework's idea of whitespace:
 * - Webshare (Django REST framework): CharField(trim_whitespace=True) → Python's str.strip(),
 *   which also strips U+001C–U+001F and U+0085;
 * - ProxyHat and IPRoyal (Laravel, as their error and paginator shapes show): the TrimStrings
 *   middleware → PCRE \s in Unicode mode plus U+FEFF, U+200B and U+200E; ConvertEmptyStringsToNull
 *   then turns "" into null;
 * - the sandbox, which simulates them: JavaScript's String.prototype.trim().
 * Drivers send such fields already stripped of the union of those sets, so whichever strip the
 * provider applies changes nothing: what it holds is exactly what the driver sent, and a driver's
 * expectedEcho can say so without guessing which set the live API uses.
 */
// U+001C–U+001F are control characters on purpose: Python counts them as whitespace.
// eslint-disable-next-line no-control-regex
const EDGE_WHITESPACE = /^[\s\u001c-\u001f\u0085\u200b\u200e]+|[\s\u001c-\u001f\u0085\u200b\u200e]+$/g;

/** `text` without the whitespace any provider would strip from its ends. */
export function stripEdgeWhitespace(text: string): string {
  return text.replace(EDGE_WHITESPACE, '');
}

/** For Laravel providers: stripped, and null where Laravel would turn the empty string into null. */
export function laravelText(text: string): string | null {
  const stripped = stripEdgeWhitespace(text);
  return stripped === '' ? null : stripped;
}
