import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, isLoopback } from '../../src/request-guard.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1'])('%s is loopback', (h) => expect(isLoopback(h)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.1', 'example.com'])('%s is not', (h) => expect(isLoopback(h)).toBe(false));
});

describe('defaultAllowedHosts', () => {
  it('allows loopback names on a loopback bind, plus extras', () => {
    expect(defaultAllowedHosts('127.0.0.1', ['box.local'])).toEqual(['localhost', '127.0.0.1', '[::1]', 'box.local']);
  });
  it('checks nothing on a public bind unless hosts are given', () => {
    expect(defaultAllowedHosts('0.0.0.0', [])).toBeUndefined();
    expect(defaultAllowedHosts('0.0.0.0', ['example.com'])).toEqual(['example.com']);
  });
});
