import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  customerHash,
  signCustomerToken,
  verifyCustomerHash,
  verifyCustomerToken,
} from './customer-token.js';

const secret = 'cis_test_secret_0123456789abcdefghijklmnopqrstuv';

describe('customer identity tokens', () => {
  it('signs an HS256 JWT with sub, tid, iat and exp, and verifies it', async () => {
    const now = new Date('2025-03-01T12:00:00Z');
    const token = await signCustomerToken({
      tenantId: 't_1',
      customerId: 'cus_1',
      secret,
      expiresInSeconds: 600,
      now,
    });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ tid: 't_1', sub: 'cus_1', iat: 1740830400, exp: 1740831000 });
    expect(
      await verifyCustomerToken(token, {
        secret,
        tenantId: 't_1',
        now: new Date(now.getTime() + 1000),
      }),
    ).toEqual({ customerId: 'cus_1', expiresAt: new Date('2025-03-01T12:10:00Z') });
    // 30 seconds of clock skew are tolerated, not more.
    await expect(
      verifyCustomerToken(token, {
        secret,
        tenantId: 't_1',
        now: new Date('2025-03-01T12:10:20Z'),
      }),
    ).resolves.toBeDefined();
    await expect(
      verifyCustomerToken(token, {
        secret,
        tenantId: 't_1',
        now: new Date('2025-03-01T12:11:00Z'),
      }),
    ).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/expired/) });
  });

  it('refuses none and other algorithms', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'cus_1', exp: 4102444800 }),
    ).toString('base64url')}.`;
    await expect(verifyCustomerToken(unsigned, { secret, tenantId: 't_1' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('checks the lifetime it is asked for', async () => {
    await expect(
      signCustomerToken({ tenantId: 't', customerId: 'c', secret, expiresInSeconds: 0 }),
    ).rejects.toThrow(RangeError);
    await expect(
      signCustomerToken({ tenantId: 't', customerId: 'c', secret, expiresInSeconds: 31 * 86400 }),
    ).rejects.toThrow(/30 days/);
  });

  it('computes the HMAC variant as hex HMAC-SHA256 of the customer id', () => {
    expect(customerHash('cus_1', secret)).toBe(
      createHmac('sha256', secret).update('cus_1').digest('hex'),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (customerId, other) => {
        const hash = customerHash(customerId, secret);
        expect(verifyCustomerHash(customerId, hash, secret)).toBe(true);
        expect(verifyCustomerHash(customerId, hash.toUpperCase(), secret)).toBe(true);
        if (other !== customerId) expect(verifyCustomerHash(other, hash, secret)).toBe(false);
        expect(verifyCustomerHash(customerId, hash, `${secret}x`)).toBe(false);
        expect(verifyCustomerHash(customerId, hash.slice(1), secret)).toBe(false);
      }),
    );
  });
});
