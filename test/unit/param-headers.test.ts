import { describe, expect, it } from 'vitest';
import { checkParamHeaders, paramHeadersOf } from '../../src/definitions/param-headers.js';

const schema = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

describe('paramHeadersOf', () => {
  it('finds declarations at any depth of properties', () => {
    const found = paramHeadersOf(
      schema({
        region: { type: 'string', 'x-mcp-header': 'Region' },
        plain: { type: 'string' },
        target: { type: 'object', properties: { tenant: { type: 'integer', 'x-mcp-header': 'Tenant-Id' } } },
      }),
    );
    expect(found).toEqual([
      { path: ['region'], name: 'Region', type: 'string' },
      { path: ['target', 'tenant'], name: 'Tenant-Id', type: 'integer' },
    ]);
  });

  it.each([
    ['under items', schema({ list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'X' } } }), /list.<items>: x-mcp-header is allowed only on a property reached through "properties"/],
    ['under anyOf', schema({}, { anyOf: [schema({ a: { type: 'string', 'x-mcp-header': 'A' } })] }), /<anyOf>.a: .*reached through "properties"/],
    ['under $defs', schema({}, { $defs: { d: { type: 'string', 'x-mcp-header': 'D' } } }), /<\$defs>: .*reached through "properties"/],
    ['on the schema itself', { type: 'object', 'x-mcp-header': 'Root' }, /the input schema itself: .*reached/],
    ['with a space in the name', schema({ a: { type: 'string', 'x-mcp-header': 'My Region' } }), /a: x-mcp-header must be a header-name token.*"My Region"/],
    ['with an empty name', schema({ a: { type: 'string', 'x-mcp-header': '' } }), /must be a header-name token/],
    ['on a number', schema({ n: { type: 'number', 'x-mcp-header': 'N' } }), /n: .*string, integer or boolean properties, not "number"/],
    ['on an untyped property', schema({ u: { 'x-mcp-header': 'U' } }), /not "untyped"/],
    ['twice, differing in case', schema({ a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'REGION' } }), /b: x-mcp-header "REGION" is already used by a/],
  ])('refuses a declaration %s', (_what, input, message) => {
    expect(() => paramHeadersOf(input as Record<string, unknown>)).toThrow(message);
  });
});

describe('checkParamHeaders', () => {
  const declared = paramHeadersOf(
    schema({
      region: { type: 'string', 'x-mcp-header': 'Region' },
      count: { type: 'integer', 'x-mcp-header': 'Count' },
      fast: { type: 'boolean', 'x-mcp-header': 'Fast' },
    }),
  );
  const headers = (sent: Record<string, string>) => (name: string) => sent[name];

  it('passes agreeing headers: literal, Base64-wrapped UTF-8, integers as numbers, booleans in lower case', () => {
    expect(checkParamHeaders(declared, { region: 'eu', count: 3, fast: true }, headers({ 'mcp-param-region': 'eu', 'mcp-param-count': '3.0', 'mcp-param-fast': 'true' }))).toBeUndefined();
    const wrapped = `=?base64?${Buffer.from('Zürich').toString('base64')}?=`;
    expect(checkParamHeaders(declared, { region: 'Zürich' }, headers({ 'mcp-param-region': ` ${wrapped} ` }))).toBeUndefined();
  });

  it('expects nothing for an absent or null argument, and ignores one sent anyway', () => {
    expect(checkParamHeaders(declared, {}, headers({ 'mcp-param-region': 'anything' }))).toBeUndefined();
    expect(checkParamHeaders(declared, { region: null }, headers({}))).toBeUndefined();
    expect(checkParamHeaders(declared, undefined, headers({}))).toBeUndefined();
  });

  it('names the header that is missing, undecodable or different', () => {
    expect(checkParamHeaders(declared, { region: 'eu' }, headers({}))).toEqual({ header: 'Mcp-Param-Region', message: 'the arguments carry region="eu" but the Mcp-Param-Region header is missing' });
    expect(checkParamHeaders(declared, { region: 'Hello' }, headers({ 'mcp-param-region': '=?base64?SGVsbG8?=' }))?.message).toMatch(/not valid =\?base64/);
    expect(checkParamHeaders(declared, { region: 'Hello' }, headers({ 'mcp-param-region': '=?base64?/w==?=' }))?.message).toMatch(/not valid =\?base64/); // not UTF-8
    expect(checkParamHeaders(declared, { region: 'eu', fast: false }, headers({ 'mcp-param-region': 'eu', 'mcp-param-fast': 'False' }))).toEqual({
      header: 'Mcp-Param-Fast',
      message: 'the Mcp-Param-Fast header says "False" but the arguments carry fast=false',
    });
    expect(checkParamHeaders(declared, { count: 2 }, headers({ 'mcp-param-count': '2.5' }))?.header).toBe('Mcp-Param-Count');
  });

  it('takes a value without the whole wrapper literally', () => {
    expect(checkParamHeaders(declared, { region: '=?base64?SGVsbG8=' }, headers({ 'mcp-param-region': '=?base64?SGVsbG8=' }))).toBeUndefined();
  });
});
