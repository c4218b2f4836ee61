import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeyScopeOf, generateApiKey, hashApiKey } from './api-key.js';
import { secretsEqual } from './secret-compare.js';

describe('API keys', () => {
  it('generates sk_live_/pk_live_ keys with 256 random bits, a visible prefix and a SHA-256 hash', () => {
    const secret = generateApiKey('secret');
    const publishable = generateApiKey('publishable');
    expect(secret.key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    expect(publishable.key).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(secret.prefix).toBe(secret.key.slice(0, 14));
    expect(secret.keyHash).toBe(createHash('sha256').update(secret.key).digest('hex'));
    expect(hashApiKey(secret.key)).toBe(secret.keyHash);
    expect(new Set(Array.from({ length: 50 }, () => generateApiKey('secret').key)).size).toBe(50);
  });

  it('tells the scope from the format, and nothing from anything else', () => {
    expect(apiKeyScopeOf(generateApiKey('secret').key)).toBe('secret');
    expect(apiKeyScopeOf(generateApiKey('publishable').key)).toBe('publishable');
    for (const token of [
      '',
      'sk_live_short',
      'sk_test_' + 'a'.repeat(43),
      'eyJ.a.b',
      `xk_live_${'a'.repeat(43)}`,
    ]) {
      expect(apiKeyScopeOf(token), token).toBeUndefined();
    }
  });

  it('compares secrets of any length', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'a')).toBe(false);
  });
});
