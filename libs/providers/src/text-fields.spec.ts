import fc from 'fast-check';
import { EDGE_CHARACTERS, javascriptTrim, laravelTrim, pythonStrip } from './testing/provider-text';
import { laravelText, stripEdgeWhitespace } from './text-fields';

const text = fc.array(fc.constantFrom(...EDGE_CHARACTERS), { maxLength: 12 }).map((chars) => chars.join(''));

describe('stripEdgeWhitespace', () => {
  it('strips what any provider would, and nothing inside', () => {
    expect(stripEdgeWhitespace(' \u001c\ufeffa b\u200b\u0085 ')).toBe('a b');
    expect(stripEdgeWhitespace('x\u200ey')).toBe('x\u200ey');
    expect(stripEdgeWhitespace('   ')).toBe('');
  });

  it('property: every provider leaves a stripped string exactly as it is', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (raw) => {
        const sent = stripEdgeWhitespace(raw);
        expect(pythonStrip(sent)).toBe(sent);
        expect(javascriptTrim(sent)).toBe(sent);
        expect(laravelTrim(sent)).toBe(sent === '' ? null : sent);
        expect(stripEdgeWhitespace(sent)).toBe(sent);
      }),
    );
  });

  it('laravelText sends "" as null, as Laravel would hold it', () => {
    expect(laravelText(' \u200b ')).toBeNull();
    expect(laravelText(' a ')).toBe('a');
  });
});
