import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConsoleEvent,
  type ConsoleEventBus,
  createMemoryConsoleEventBus,
  createRedisConsoleEventBus,
} from './console-events.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const channel = `churn:console-events:test:${crypto.randomUUID()}`;
const buses: ConsoleEventBus[] = [];
afterAll(async () => {
  for (const bus of buses) await bus.close();
});

const event = (tenantId: string, conversationId: string): ConsoleEvent => ({
  type: 'conversation.created',
  tenantId,
  data: { conversationId },
});

function collect(bus: ConsoleEventBus, tenantId: string) {
  const received: ConsoleEvent[] = [];
  const stop = bus.subscribe(tenantId, (each) => received.push(each));
  return { received, stop };
}

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('console event buses', () => {
  it('in process: delivers to the tenant’s subscribers only, until they stop', () => {
    const bus = createMemoryConsoleEventBus();
    const acme = collect(bus, 't_acme');
    const globex = collect(bus, 't_globex');
    bus.publish(event('t_acme', 'c_1'));
    acme.stop();
    bus.publish(event('t_acme', 'c_2'));
    expect(acme.received.map((each) => each.data.conversationId)).toEqual(['c_1']);
    expect(globex.received).toEqual([]);
  });

  it('through the real Redis: each instance hears the other’s events once, by tenant', async () => {
    const a = await createRedisConsoleEventBus({ url: redisUrl, channel });
    const b = await createRedisConsoleEventBus({ url: redisUrl, channel });
    buses.push(a, b);
    const onA = collect(a, 't_acme');
    const onB = collect(b, 't_acme');
    const otherTenantOnB = collect(b, 't_globex');
    a.publish(event('t_acme', 'c_from_a'));
    b.publish(event('t_acme', 'c_from_b'));
    await until(() => onA.received.length === 2 && onB.received.length === 2);
    expect(onA.received.map((each) => each.data.conversationId).sort()).toEqual([
      'c_from_a',
      'c_from_b',
    ]);
    expect(onB.received.map((each) => each.data.conversationId).sort()).toEqual([
      'c_from_a',
      'c_from_b',
    ]);
    expect(otherTenantOnB.received).toEqual([]);
  });
});
