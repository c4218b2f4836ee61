import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ChurnError } from '@churn/core';

/** Every encrypted value starts with this: `enc:v1:<keyId>:<base64url(iv | ciphertext | tag)>`. */
export const encryptedValuePrefix = 'enc:v1:';

const ivLength = 12;
const tagLength = 16;
const keyLength = 32;

/** One AES-256 key and its id (derived from the key, so nothing else has to be configured). */
export interface EncryptionKey {
  /** `k` and 11 base64url characters of the key's SHA-256: safe to log, names the key. */
  id: string;
  key: Buffer;
}

/**
 * Encrypts and decrypts sensitive column values with AES-256-GCM. The newest key encrypts;
 * every configured key decrypts (the key id in the value picks it), so keys can be rotated
 * without downtime. `context` (like `integrations.signing_secret:<row id>`) is bound to the
 * ciphertext as associated data: a value copied to another row or column does not decrypt.
 */
export interface FieldEncryptor {
  /** The id of the key that encrypts. */
  readonly currentKeyId: string;
  /** Every key id that decrypts, newest first. */
  readonly keyIds: readonly string[];
  encrypt(plaintext: string, context: string): string;
  /**
   * Decrypts a value written by {@link FieldEncryptor.encrypt}. A value without the
   * `enc:v1:` prefix is legacy plaintext and is answered as is (the rotation routine
   * encrypts it).
   *
   * @throws ChurnError `configuration` when the key is not configured, or the value does not
   *   authenticate (wrong key, another row's value, tampering).
   */
  decrypt(value: string, context: string): string;
  /** Whether `value` is encrypted under a key other than the current one (or not at all). */
  needsReencryption(value: string): boolean;
}

/** Whether `value` looks like an encrypted value. */
export function isEncryptedValue(value: string): boolean {
  return value.startsWith(encryptedValuePrefix);
}

/** The id of a key: `k` + the first 8 bytes of its SHA-256 in base64url. */
export function encryptionKeyId(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url')}`;
}

/**
 * Parses `CHURN_ENCRYPTION_KEY`: one or more 32-byte keys in base64 (or base64url),
 * separated by commas, the newest first. The first encrypts; all decrypt.
 *
 * @throws ChurnError `configuration` naming what is wrong (never the key itself).
 */
export function parseEncryptionKeys(text: string): EncryptionKey[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) {
    throw new ChurnError(
      'configuration',
      'CHURN_ENCRYPTION_KEY is empty: set it to 32 random bytes in base64 (`openssl rand -base64 32`).',
    );
  }
  return parts.map((part, index) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(part) ? Buffer.from(part, 'base64') : undefined;
    if (key?.length !== keyLength) {
      throw new ChurnError(
        'configuration',
        `Encryption key number ${index + 1} of CHURN_ENCRYPTION_KEY is not 32 bytes in base64: generate one with \`openssl rand -base64 32\` (several keys are separated by commas, the newest first).`,
      );
    }
    return { id: encryptionKeyId(key), key };
  });
}

/**
 * A {@link FieldEncryptor} over `keys` (the newest first).
 *
 * @example
 * const encryptor = createFieldEncryptor({ keys: parseEncryptionKeys(process.env.CHURN_ENCRYPTION_KEY!) });
 * const stored = encryptor.encrypt('https://hooks.slack.com/services/T/B/x', 'integrations.webhook_url:i_1');
 */
export function createFieldEncryptor(settings: { keys: readonly EncryptionKey[] }): FieldEncryptor {
  const [current] = settings.keys;
  if (!current) {
    throw new ChurnError('configuration', 'No encryption key is configured.');
  }
  const byId = new Map(settings.keys.map((entry) => [entry.id, entry.key]));
  return {
    currentKeyId: current.id,
    keyIds: settings.keys.map((entry) => entry.id),
    encrypt(plaintext, context) {
      const iv = randomBytes(ivLength);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: tagLength });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const sealed = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
      return `${encryptedValuePrefix}${current.id}:${sealed}`;
    },
    decrypt(value, context) {
      if (!isEncryptedValue(value)) return value;
      const rest = value.slice(encryptedValuePrefix.length);
      const separator = rest.indexOf(':');
      const keyId = separator > 0 ? rest.slice(0, separator) : '';
      const key = byId.get(keyId);
      if (!key) {
        throw new ChurnError(
          'configuration',
          `A stored value is encrypted with key ${keyId || '(none)'}, which is not configured: add that key to CHURN_ENCRYPTION_KEY (after the current one) until \`rotateEncryption\` has re-encrypted everything.`,
        );
      }
      const sealed = Buffer.from(rest.slice(separator + 1), 'base64url');
      if (sealed.length < ivLength + tagLength) {
        throw new ChurnError(
          'configuration',
          `A stored value encrypted with key ${keyId} is truncated: it cannot be decrypted.`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, ivLength), {
          authTagLength: tagLength,
        });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(sealed.subarray(sealed.length - tagLength));
        return Buffer.concat([
          decipher.update(sealed.subarray(ivLength, sealed.length - tagLength)),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw new ChurnError(
          'configuration',
          `A stored value could not be decrypted with key ${keyId}: the key is not the one it was encrypted with, or the value was changed or copied from another row.`,
          { cause: error },
        );
      }
    },
    needsReencryption(value) {
      return !value.startsWith(`${encryptedValuePrefix}${current.id}:`);
    },
  };
}
