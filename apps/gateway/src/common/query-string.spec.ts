import { parseQueryString } from './query-string';

describe('parseQueryString', () => {
  it('gathers deepObject pairs (metadata[key]=value) into metadata', () => {
    expect(parseQueryString('metadata%5BcustomerId%5D=c-42&metadata[plan]=gold&limit=5')).toEqual({
      metadata: { customerId: 'c-42', plan: 'gold' },
      limit: '5',
    });
  });

  it('keeps the dotted form (metadata.key=value), also mixed with the deepObject form', () => {
    expect(parseQueryString('metadata.customerId=c-42')).toEqual({ metadata: { customerId: 'c-42' } });
    expect(parseQueryString('metadata.customerId=c-42&metadata[plan]=gold')).toEqual({
      metadata: { customerId: 'c-42', plan: 'gold' },
    });
  });

  it('keeps keys with dots and colons whole', () => {
    expect(parseQueryString('metadata[order.id]=7&metadata.a:b=1')).toEqual({
      metadata: { 'order.id': '7', 'a:b': '1' },
    });
  });

  it('keeps every value of a repeated key, as for any repeated parameter (the validation refuses it)', () => {
    expect(parseQueryString('metadata[k]=1&metadata.k=2')).toEqual({ metadata: { k: ['1', '2'] } });
    expect(parseQueryString('metadata[k]=1&metadata[k]=2')).toEqual({ metadata: { k: ['1', '2'] } });
  });

  it('leaves a plain metadata value and the pairs beside it for the validation to refuse', () => {
    expect(parseQueryString('metadata=x&metadata[k]=1')).toEqual({ metadata: 'x', 'metadata[k]': '1' });
  });

  it('never reaches the prototype', () => {
    const parsed = parseQueryString('metadata[__proto__]=x&metadata.constructor=y') as {
      metadata: Record<string, unknown>;
    };
    expect(Object.getPrototypeOf(parsed.metadata)).toBe(Object.prototype);
    expect(Object.keys(parsed.metadata).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('leaves other parameters as node:querystring parses them', () => {
    expect(parseQueryString('status=active&status=deleted&q=a%20b')).toEqual({
      status: ['active', 'deleted'],
      q: 'a b',
    });
  });
});
