import { randomBytes } from 'node:crypto';
import type { ApiKeyScope } from '@churn/core';
import { sha256Hex } from './secret-compare.js';

/** What starts a key of each scope: `sk_live_` for servers, `pk_live_` for the widget. */
export const apiKeyPrefixes: Readonly<Record<ApiKeyScope, string>> = {
  secret: 'sk_live_',
  publishable: 'pk_live_',
};

/** How many characters of a key are stored and shown to tell keys apart (`sk_live_4f2aQx`). */
export const visiblePrefixLength = 14;

const keyPattern = /^(sk|pk)_live_[A-Za-z0-9_-]{43}$/;

/** A freshly generated API key: show `key` once, store only `keyHash` and `prefix`. */
export interface GeneratedApiKey {
  scope: ApiKeyScope;
  /** The whole key. Shown to the caller once, never stored. */
  key: string;
  /** The visible start of the key, stored and listed. */
  prefix: string;
  /** SHA-256 of the key (hex): what storage keeps and looks requests up by. */
  keyHash: string;
}

/**
 * Generates an API key: the scope's prefix and 32 random bytes in base64url (256 bits, so
 * a plain SHA-256 is the right hash: nothing to brute-force, and lookups stay one index
 * probe).
 *
 * @example
 * const { key, prefix, keyHash } = generateApiKey('secret'); // key: sk_live_...
 */
export function generateApiKey(scope: ApiKeyScope): GeneratedApiKey {
  const key = `${apiKeyPrefixes[scope]}${randomBytes(32).toString('base64url')}`;
  return { scope, key, prefix: key.slice(0, visiblePrefixLength), keyHash: hashApiKey(key) };
}

/** The stored hash of an API key: SHA-256, hex. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** The scope a key's format claims (`sk_live_` or `pk_live_`), or `undefined` for anything else. */
export function apiKeyScopeOf(key: string): ApiKeyScope | undefined {
  const match = keyPattern.exec(key);
  if (!match) return undefined;
  return match[1] === 'sk' ? 'secret' : 'publishable';
}
