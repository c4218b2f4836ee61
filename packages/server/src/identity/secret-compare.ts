import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of UTF-8 text, as lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so their lengths
 * match and the time taken says nothing about where they differ or how long they are.
 */
export function secretsEqual(left: string, right: string): boolean {
  const leftHash = createHash('sha256').update(left, 'utf8').digest();
  const rightHash = createHash('sha256').update(right, 'utf8').digest();
  return timingSafeEqual(leftHash, rightHash);
}
