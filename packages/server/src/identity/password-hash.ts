import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost settings. The defaults (N = 2^15, r = 8, p = 1) need 32 MiB and about a
 * tenth of a second per hash: OWASP's recommended minimum for scrypt.
 */
export interface PasswordHashSettings {
  /** CPU/memory cost N, a power of two. Default 2^15. */
  cost?: number;
  /** Block size r. Default 8. */
  blockSize?: number;
  /** Parallelisation p. Default 1. */
  parallelization?: number;
}

const defaults = { cost: 2 ** 15, blockSize: 8, parallelization: 1 } as const;
const keyLength = 32;
const saltLength = 16;

/** Shortest and longest password accepted (length in characters). */
export const passwordLimits = { min: 12, max: 256 } as const;

function derive(password: string, salt: Buffer, settings: Required<PasswordHashSettings>) {
  // scrypt needs 128 * N * r bytes; allow twice that so Node never refuses the defaults.
  const options: ScryptOptions = {
    N: settings.cost,
    r: settings.blockSize,
    p: settings.parallelization,
    maxmem: 256 * settings.cost * settings.blockSize,
  };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Hashes a password with scrypt (memory-hard, built into Node: no native module) and a
 * random 16-byte salt. The result carries its own settings, so they can be raised later
 * without breaking stored hashes: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
 */
export async function hashPassword(
  password: string,
  settings: PasswordHashSettings = {},
): Promise<string> {
  const resolved = { ...defaults, ...settings };
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, resolved);
  return [
    'scrypt',
    resolved.cost,
    resolved.blockSize,
    resolved.parallelization,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

/**
 * Whether `password` matches a hash from {@link hashPassword}, compared in constant time.
 * A malformed hash answers `false` (never throws), as does a hash whose settings are out
 * of the range this server accepts.
 */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  const parts = passwordHash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [cost, blockSize, parallelization] = parts.slice(1, 4).map(Number) as [
    number,
    number,
    number,
  ];
  const valid =
    Number.isInteger(cost) &&
    cost >= 2 ** 10 &&
    cost <= 2 ** 20 &&
    (cost & (cost - 1)) === 0 &&
    Number.isInteger(blockSize) &&
    blockSize >= 1 &&
    blockSize <= 32 &&
    Number.isInteger(parallelization) &&
    parallelization >= 1 &&
    parallelization <= 16;
  if (!valid) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || expected.length !== keyLength) return false;
  const actual = await derive(password, salt, { cost, blockSize, parallelization });
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one password check against a throwaway hash: sign-in calls it when
 * the tenant or the email is unknown, so timing does not tell which part was wrong.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash);
  return false;
}
