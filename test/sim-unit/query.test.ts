// The query as kube-apiserver's Go reads it (net/url ParseQuery through URL.Query, errors dropped).
import assert from 'node:assert/strict';
import { parseQuery } from '../sim/query.ts';

describe('sim query: as Go url.ParseQuery reads it', () => {
  it('splits on &, keeps repeated keys in order, reads + as a space and %XX as its byte', () => {
    const q = parseQuery('command=sh&command=-c&command=a+b%2Bc%26d%3De&container=main&empty=&bare');
    assert.deepEqual(q.getAll('command'), ['sh', '-c', 'a b+c&d=e']);
    assert.equal(q.get('container'), 'main');
    assert.equal(q.get('empty'), '');
    assert.equal(q.get('bare'), '', 'a key without "=" has the empty value');
  });

  it('skips a pair with a malformed escape or a semicolon, as Go does, and keeps the others', () => {
    const q = parseQuery('a=1&b=%zz&c=50%&d=x;y&e=%41');
    assert.deepEqual([...q.keys()], ['a', 'e']);
    assert.equal(q.get('e'), 'A');
  });

  it('decodes a program as any client encodes it: form encoding, Go QueryEscape, encodeURIComponent', () => {
    const program = 'printf "%s\\n" \'x&y=z\' # é ~!*()\n\tdone; a+b';
    const form = new URLSearchParams([['command', program]]).toString();
    const goEscaped = `command=${encodeURIComponent(program)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+')}`;
    const uri = `command=${encodeURIComponent(program)}`;
    for (const raw of [form, goEscaped, uri]) assert.equal(parseQuery(raw).get('command'), program, raw);
  });

  it('keeps escaped bytes that are not UTF-8 as replacement characters, not a dropped pair', () => {
    assert.equal(parseQuery('a=%FF%41').get('a'), '\uFFFDA');
  });
});
