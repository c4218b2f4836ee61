import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { type SupportServer, startSupportServer } from './support-test-helpers.js';

describe('chat turn: PII masking (in-memory PGlite)', () => {
  let context: SupportServer;

  beforeAll(async () => {
    context = await startSupportServer(await createPGliteStorage());
  });
  afterAll(async () => {
    await context?.server.close();
  });

  it('the model sees placeholders only; the customer sees the values, even when a placeholder is split across deltas', async () => {
    const { acme, createConversation, send, model, storage } = context;
    const visitor = 'visitor-pii-1';
    const id = await createConversation(acme, { visitor });
    const email = 'ada.lovelace@example.com';
    const card = '4242 4242 4242 4242';
    await send(acme, id, `Can you mail the webhooks guide to ${email}?`, { visitor });
    const calls = model.prompts.length;
    const reply = await send(
      acme,
      id,
      `How do I verify webhooks? My card is ${card}, call +44 20 7946 0958`,
      {
        visitor,
      },
    );
    const prompt = JSON.stringify(model.prompts.slice(calls));
    for (const value of [email, card, '+44 20 7946 0958']) expect(prompt).not.toContain(value);
    // History and question share one vault: the email keeps its number in the history.
    expect(prompt).toContain('[EMAIL_1]');
    expect(prompt).toContain('[CARD_1]');
    expect(prompt).toContain('[PHONE_1]');

    expect(reply.text.startsWith(`Noted: ${card}. Noted: +44 20 7946 0958. `)).toBe(true);
    expect(reply.text).not.toMatch(/\[(?:CARD|PHONE|EMAIL)_/);
    const deltas = reply.chunks.filter(
      (chunk): chunk is { type: 'text-delta'; id: string; delta: string } =>
        typeof chunk !== 'string' && chunk.type === 'text-delta',
    );
    for (const delta of deltas) expect(delta.delta).not.toMatch(/\[[A-Z]*_?\d*$/);
    const stored = await storage.messages.list({ tenantId: acme.tenant.id, conversationId: id });
    expect(stored.at(-1)?.content).toBe(reply.text);
  });
});
