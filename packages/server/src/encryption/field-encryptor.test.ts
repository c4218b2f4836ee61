import { randomBytes } from 'node:crypto';
import { ChurnError } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { createFieldEncryptor, isEncryptedValue, parseEncryptionKeys } from './field-encryptor.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

describe('field encryptor', () => {
  it('round-trips, never stores the plaintext, and uses a fresh IV each time', () => {
    const encryptor = createFieldEncryptor({ keys: parseEncryptionKeys(keyA) });
    const secret = 'https://hooks.slack.com/services/T0/B0/very-secret-token';
    const first = encryptor.encrypt(secret, 'integrations.webhook_url:i1');
    const second = encryptor.encrypt(secret, 'integrations.webhook_url:i1');
    expect(isEncryptedValue(first)).toBe(true);
    expect(first).toMatch(new RegExp(`^enc:v1:${encryptor.currentKeyId}:`));
    expect(first).not.toContain('very-secret-token');
    expect(first).not.toBe(second);
    expect(encryptor.decrypt(first, 'integrations.webhook_url:i1')).toBe(secret);
  });

  it('fails clearly with the wrong key, an unknown key, another row or a tampered value', () => {
    const a = createFieldEncryptor({ keys: parseEncryptionKeys(keyA) });
    const b = createFieldEncryptor({ keys: parseEncryptionKeys(keyB) });
    const value = a.encrypt('s3cret', 'ctx:1');
    expect(() => b.decrypt(value, 'ctx:1')).toThrow(
      /not configured: add that key to CHURN_ENCRYPTION_KEY/,
    );
    expect(() => a.decrypt(value, 'ctx:2')).toThrow(/could not be decrypted/);
    const tampered = `${value.slice(0, -2)}${value.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => a.decrypt(tampered, 'ctx:1')).toThrow(ChurnError);
    // A key with the same id but other bytes cannot happen; a forged id still fails.
    const forged = value.replace(a.currentKeyId, b.currentKeyId);
    expect(() => b.decrypt(forged, 'ctx:1')).toThrow(/could not be decrypted/);
  });

  it('decrypts with every configured key and encrypts with the newest (rotation)', () => {
    const old = createFieldEncryptor({ keys: parseEncryptionKeys(keyA) });
    const rotated = createFieldEncryptor({ keys: parseEncryptionKeys(`${keyB},${keyA}`) });
    const value = old.encrypt('s3cret', 'ctx');
    expect(rotated.decrypt(value, 'ctx')).toBe('s3cret');
    expect(rotated.needsReencryption(value)).toBe(true);
    const again = rotated.encrypt('s3cret', 'ctx');
    expect(rotated.needsReencryption(again)).toBe(false);
    expect(again).toContain(rotated.currentKeyId);
    expect(rotated.keyIds).toEqual([rotated.currentKeyId, old.currentKeyId]);
  });

  it('answers legacy plaintext as is, and refuses malformed keys without echoing them', () => {
    const encryptor = createFieldEncryptor({ keys: parseEncryptionKeys(keyA) });
    expect(encryptor.decrypt('https://example.com/hook', 'ctx')).toBe('https://example.com/hook');
    expect(encryptor.needsReencryption('https://example.com/hook')).toBe(true);
    expect(() => parseEncryptionKeys('tooshort')).toThrow(/not 32 bytes/);
    expect(() => parseEncryptionKeys('tooshort')).not.toThrow(/tooshort/);
    expect(() => parseEncryptionKeys(' , ')).toThrow(/empty/);
  });
});
