import { describe, expect, it } from 'vitest';
import { tenantArbitrary } from './arbitraries.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity, toDate } from './rule-test-kit.js';
import { type TenantInput, TenantSchema } from './tenant.js';

const example: TenantInput = {
  id: 'ten_1',
  name: 'Acme Inc.',
  apiKey: 'ck_live_0123456789abcdef',
  usageQuota: 25_000,
  customBranding: {
    name: 'Acme Help',
    greeting: 'Hi! How can we help?',
    logoUrl: 'https://cdn.acme.example/logo.svg',
    primaryColor: '#635bff',
    backgroundColor: '#fff',
    textColor: '#1A1A1A',
  },
  allowedOrigins: ['https://acme.example', 'http://localhost:3000'],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
};

describeEntity('Tenant', TenantSchema, {
  example,
  arbitrary: tenantArbitrary(),
  accepted: [
    {
      title: 'no branding and no origins',
      change: ({ customBranding, allowedOrigins, ...t }) => t,
    },
    { title: 'an empty branding object', change: (t) => ({ ...t, customBranding: {} }) },
    {
      title: 'updated at the moment of creation',
      change: (t) => ({ ...t, updatedAt: t.createdAt }),
    },
    { title: 'quota 0', change: (t) => ({ ...t, usageQuota: 0 }) },
  ],
  rules: [
    {
      rule: 'apiKey is at least 16 characters',
      path: ['apiKey'],
      message: /must be at least 16 characters/,
      breakIt: (t) => ({ ...t, apiKey: 'short' }),
    },
    {
      rule: 'apiKey has no spaces',
      path: ['apiKey'],
      message: /must not contain spaces/,
      breakIt: (t) => ({ ...t, apiKey: 'ck live 0123456789abcdef' }),
    },
    {
      rule: 'usageQuota is a whole number, 0 or more',
      path: ['usageQuota'],
      message: /must be a whole number, 0 or more/,
      breakIt: (t) => ({ ...t, usageQuota: -5 }),
    },
    {
      rule: 'branding colours are hex',
      path: ['customBranding', 'primaryColor'],
      message: /must be a hex colour like #635bff/,
      breakIt: (t) => ({ ...t, customBranding: { primaryColor: 'purple' } }),
    },
    {
      rule: 'branding logo is an https URL',
      path: ['customBranding', 'logoUrl'],
      message: /must be an https URL/,
      breakIt: (t) => ({ ...t, customBranding: { logoUrl: 'http://cdn.example/logo.png' } }),
    },
    {
      rule: 'branding has no unknown keys',
      path: ['customBranding'],
      message: /has unknown keys \(primaryColour\)/,
      breakIt: (t) => ({ ...t, customBranding: { primaryColour: '#635bff' } }),
    },
    {
      rule: 'branding is an object, not a string',
      path: ['customBranding'],
      message: /must be an object/,
      breakIt: (t) => ({ ...t, customBranding: '{"primaryColor":"#635bff"}' }),
    },
    ...[
      'https://acme.example/',
      'https://acme.example/shop',
      'acme.example',
      'ftp://acme.example',
    ].map((origin) => ({
      rule: `allowed origins are bare origins (not ${origin})`,
      path: ['allowedOrigins', 0],
      message: /must be an origin like https:\/\/shop.example.com/,
      breakIt: (t: TenantInput) => ({ ...t, allowedOrigins: [origin] }),
    })),
    {
      rule: 'updatedAt is not before createdAt',
      path: ['updatedAt'],
      message: /must not be before createdAt/,
      breakIt: (t) => ({ ...t, updatedAt: new Date(toDate(t.createdAt).getTime() - 1) }),
    },
  ],
});

describe('Tenant defaults', () => {
  it('gives a usage quota of 10000 and no allowed origins when left out', () => {
    const { usageQuota, allowedOrigins, ...rest } = example;
    expect(parseEntity(TenantSchema, rest, 'Tenant')).toMatchObject({
      usageQuota: 10_000,
      allowedOrigins: [],
    });
  });
});
