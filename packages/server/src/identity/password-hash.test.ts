import { describe, expect, it } from 'vitest';
import { hashPassword, verifyDummyPassword, verifyPassword } from './password-hash.js';

describe('hashPassword', () => {
  it('stores scrypt with N=2^15, r=8, p=1, a random salt, and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('keeps the settings in the hash, so cheaper or dearer hashes still verify', async () => {
    const hash = await hashPassword('another long password', { cost: 2 ** 12 });
    expect(hash.startsWith('scrypt$4096$8$1$')).toBe(true);
    expect(await verifyPassword('another long password', hash)).toBe(true);
  });

  it('answers false, never throws, for malformed or out-of-range hashes', async () => {
    for (const hash of [
      '',
      'bcrypt$2b$10$abc',
      'scrypt$32768$8$1$$',
      'scrypt$1000$8$1$c2FsdA==$aGFzaA==',
      `scrypt$${2 ** 30}$8$1$c2FsdA==$${Buffer.alloc(32).toString('base64')}`,
      'scrypt$32768$8$1$c2FsdA==$c2hvcnQ=',
    ]) {
      expect(await verifyPassword('whatever password', hash), hash).toBe(false);
    }
    expect(await verifyDummyPassword('whatever password')).toBe(false);
  });
});
