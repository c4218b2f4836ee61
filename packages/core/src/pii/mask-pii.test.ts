import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPiiStreamUnmasker, createPiiVault, maskPii, unmaskPii } from './mask-pii.js';
import { findPii, passesIbanCheck, passesLuhn } from './pii-detectors.js';

describe('maskPii: what it finds', () => {
  it.each([
    ['EMAIL', 'ada.lovelace+billing@example.co.uk'],
    ['PHONE', '+44 20 7946 0958'],
    ['PHONE', '+1 (555) 123-4567'],
    ['PHONE', '0049 30 901820'],
    ['PHONE', '(555) 123-4567'],
    ['PHONE', '020 7946 0958'],
    ['CARD', '4242 4242 4242 4242'],
    ['CARD', '4000-0566-5566-5556'],
    ['CARD', '378282246310005'],
    ['IBAN', 'GB82 WEST 1234 5698 7654 32'],
    ['IBAN', 'DE89370400440532013000'],
    ['SSN', '123-45-6789'],
    ['NINO', 'AB 12 34 56 C'],
    ['NINO', 'JG103759A'],
    ['ADDRESS', '221B Baker Street'],
    ['ADDRESS', '1600 Pennsylvania Ave'],
  ])('masks a %s: %s', (kind, value) => {
    const { masked, vault } = maskPii(`Here it is: ${value}. Thanks`);
    expect(masked).toBe(`Here it is: [${kind}_1]. Thanks`);
    expect(vault.entries.get(`[${kind}_1]`)).toBe(value);
  });

  it.each([
    ['an order number', 'order 12345678'],
    ['an ISO date', 'on 2026-11-22'],
    ['a price', '$1,299.00'],
    ['a short number', 'room 42'],
  ])('leaves %s alone', (_name, text) => {
    expect(maskPii(text).masked).toBe(text);
  });

  it('reads a checksum failure or an impossible SSN as something else', () => {
    const kinds = (text: string) => findPii(text).map((match) => match.kind);
    expect(kinds('4242 4242 4242 4241')).not.toContain('CARD');
    expect(kinds('GB83 WEST 1234 5698 7654 32')).not.toContain('IBAN');
    expect(kinds('000-12-3456')).not.toContain('SSN');
    expect(kinds('666-12-3456')).not.toContain('SSN');
  });

  it('stops a phone number before the number that follows it', () => {
    expect(maskPii('+44 20 7946 0958 1052 times').masked).toBe('[PHONE_1] 1052 times');
  });

  it('gives the same value the same placeholder, and numbers kinds separately', () => {
    const { masked } = maskPii('a@b.io, c@d.io, a@b.io, call +44 20 7946 0958');
    expect(masked).toBe('[EMAIL_1], [EMAIL_2], [EMAIL_1], call [PHONE_1]');
  });

  it('shares a vault across texts (question and history)', () => {
    const vault = createPiiVault();
    expect(maskPii('I am a@b.io', { vault }).masked).toBe('I am [EMAIL_1]');
    expect(maskPii('a@b.io and c@d.io', { vault }).masked).toBe('[EMAIL_1] and [EMAIL_2]');
  });

  it('never reuses a placeholder already in the text', () => {
    const text = 'literal [EMAIL_1] then a@b.io';
    const { masked, vault } = maskPii(text);
    expect(masked).toBe('literal [EMAIL_1] then [EMAIL_2]');
    expect(unmaskPii(masked, vault)).toBe(text);
  });

  it('checks Luhn and mod-97', () => {
    expect(passesLuhn('4242424242424242')).toBe(true);
    expect(passesLuhn('4242424242424241')).toBe(false);
    expect(passesIbanCheck('GB82WEST12345698765432')).toBe(true);
    expect(passesIbanCheck('GB82WEST12345698765433')).toBe(false);
  });

  it('lets an earlier kind win an overlap (an IBAN is not a phone)', () => {
    expect(findPii('DE89 3704 0044 0532 0130 00').map((match) => match.kind)).toEqual(['IBAN']);
  });
});

// Property-based: filler that holds no personal data, with PII values dropped in.
const fillerWord = fc.constantFrom(
  'hello',
  'my',
  'card',
  'was',
  'declined',
  'please',
  'help',
  'invoice',
  'the',
  'plan',
  'refund',
  'why',
  'Billing',
  'Team',
  'is',
  '[EMAIL_1]',
  '[note]',
);
const fillerToken = fc.oneof(
  fillerWord,
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fillerWord).map(([n, word]) => `${n} ${word}`),
  fc.constantFrom(',', '.', '?', '!', '-', ':', '(ok)'),
);
const filler = fc.array(fillerToken, { maxLength: 12 }).map((tokens) => tokens.join(' '));

function luhnComplete(body: string): string {
  for (let check = 0; check <= 9; check += 1) {
    if (passesLuhn(`${body}${check}`)) return `${body}${check}`;
  }
  throw new Error('unreachable');
}

const email = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/),
    fc.stringMatching(/^[a-z]{2,8}$/),
    fc.constantFrom('com', 'io', 'co.uk', 'de'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const card = fc
  .tuple(
    fc.constantFrom('4', '51', '37'),
    fc.stringMatching(/^\d{14}$/),
    fc.constantFrom(' ', '-', ''),
  )
  .map(([prefix, rest, separator]) => {
    const digits = luhnComplete((prefix + rest).slice(0, 15));
    return digits.match(/.{1,4}/g)!.join(separator);
  });
const phone = fc
  .tuple(
    fc.integer({ min: 1, max: 99 }),
    fc.stringMatching(/^[1-9]\d{2}$/),
    fc.stringMatching(/^\d{3}$/),
    fc.stringMatching(/^\d{4}$/),
  )
  .map(([country, area, first, second]) => `+${country} ${area} ${first} ${second}`);
const ssn = fc
  .tuple(
    fc.integer({ min: 1, max: 665 }),
    fc.integer({ min: 1, max: 99 }),
    fc.integer({ min: 1, max: 9999 }),
  )
  .map(
    ([area, group, serial]) =>
      `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`,
  );
const iban = fc.constantFrom(
  'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000',
  'FR1420041010050500013M02606',
);
const address = fc
  .tuple(
    fc.integer({ min: 1, max: 9999 }),
    fc.constantFrom('Baker', 'Elm', 'High', 'Maple Grove'),
    fc.constantFrom('Street', 'Road', 'Ave', 'Lane'),
  )
  .map(([number, name, suffix]) => `${number} ${name} ${suffix}`);
const piiValue = fc.oneof(email, card, phone, ssn, iban, address);

const textWithPii = fc
  .array(fc.tuple(filler, piiValue), { minLength: 1, maxLength: 4 })
  .chain((pairs) => filler.map((tail) => ({ pairs, tail })))
  .map(({ pairs, tail }) => ({
    text: `${pairs.map(([before, value]) => `${before} ${value} `).join('')}${tail}`,
    values: pairs.map(([, value]) => value),
  }));

describe('maskPii: properties', () => {
  it('masked text never contains an original value', () => {
    fc.assert(
      fc.property(textWithPii, ({ text, values }) => {
        const { masked } = maskPii(text);
        for (const value of values) expect(masked).not.toContain(value);
      }),
    );
  });

  it('unmasking restores the text exactly', () => {
    fc.assert(
      fc.property(textWithPii, ({ text }) => {
        const { masked, vault } = maskPii(text);
        expect(unmaskPii(masked, vault)).toBe(text);
      }),
    );
  });

  it('leaves text without personal data unchanged', () => {
    fc.assert(
      fc.property(filler, (text) => {
        const { masked, vault } = maskPii(text);
        expect(masked).toBe(text);
        expect(vault.entries.size).toBe(0);
      }),
    );
  });

  it('leaves ids alone: UUIDs, even with all-digit groups', () => {
    const id = 'd0c1e2f3-1234-4567-8901-234567890123';
    expect(maskPii(`error ${id} logged`).masked).toBe(`error ${id} logged`);
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(maskPii(`Error id ${uuid}.`).masked).toBe(`Error id ${uuid}.`);
      }),
      { numRuns: 2000 },
    );
  });

  it('the stream unmasker gives the same text however the reply is split', () => {
    fc.assert(
      fc.property(
        textWithPii,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 40 }),
        ({ text }, sizes) => {
          const { masked, vault } = maskPii(text);
          const unmasker = createPiiStreamUnmasker(vault);
          let output = '';
          let position = 0;
          let index = 0;
          while (position < masked.length) {
            const size = sizes[index % sizes.length]!;
            const piece = unmasker.push(masked.slice(position, position + size));
            // A half placeholder never reaches the customer.
            expect(piece).not.toMatch(/\[(?:EMAIL|CARD|PHONE|SSN|IBAN|NINO|ADDRESS)_\d*$/);
            output += piece;
            position += size;
            index += 1;
          }
          output += unmasker.flush();
          expect(output).toBe(text);
        },
      ),
    );
  });
});

describe('createPiiStreamUnmasker', () => {
  it('holds a placeholder split across deltas until it is whole', () => {
    const { vault } = maskPii('a@b.io');
    const unmasker = createPiiStreamUnmasker(vault);
    expect(unmasker.push('Write to [EMA')).toBe('Write to ');
    expect(unmasker.push('IL_')).toBe('');
    expect(unmasker.push('1] today [')).toBe('a@b.io today ');
    expect(unmasker.flush()).toBe('[');
  });
});
