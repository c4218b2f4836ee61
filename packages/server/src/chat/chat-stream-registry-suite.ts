import { afterEach, describe, expect, it } from 'vitest';
import type {
  ChatStreamRegistry,
  MemoryChatStreamRegistrySettings,
} from './chat-stream-registry.js';

/** Reads a stream to its end. */
export async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/**
 * The behaviour every {@link ChatStreamRegistry} shares, as one instance sees it. Run for
 * the in-process registry and for the Redis one; `create` makes a fresh registry (its
 * connections, if any, are closed after each test).
 */
export function chatStreamRegistrySuite(
  name: string,
  create: (
    settings?: MemoryChatStreamRegistrySettings,
  ) => Promise<ChatStreamRegistry & { close?(): Promise<void> }>,
): void {
  describe(`chat stream registry (${name})`, () => {
    const key = { tenantId: 't1', conversationId: 'c1' };
    const created: { close?(): Promise<void> }[] = [];
    const make = async (settings?: MemoryChatStreamRegistrySettings) => {
      const registry = await create(settings);
      created.push(registry);
      return registry;
    };

    afterEach(async () => {
      for (const registry of created.splice(0)) await registry.close?.();
    });

    it('replays from the start to every reader, then follows live until the end', async () => {
      const registry = await make();
      const writer = await registry.open(key);
      writer.append('a');
      const early = collect((await registry.read(key))!);
      writer.append('b');
      const late = collect((await registry.read(key))!);
      writer.append('c');
      writer.close();
      expect(await early).toEqual(['a', 'b', 'c']);
      expect(await late).toEqual(['a', 'b', 'c']);
      expect(await registry.read(key)).toBeUndefined();
      expect(await registry.isActive(key)).toBe(false);
      // The key is free again.
      (await registry.open(key)).close();
    });

    it('allows one active stream per conversation, keeps tenants apart', async () => {
      const registry = await make();
      const writer = await registry.open(key);
      await expect(registry.open(key)).rejects.toMatchObject({ code: 'conflict' });
      const other = await registry.open({ tenantId: 't2', conversationId: 'c1' });
      expect(registry.activeCount()).toBe(2);
      expect(await registry.read({ tenantId: 't3', conversationId: 'c1' })).toBeUndefined();
      expect(await registry.isActive({ tenantId: 't3', conversationId: 'c1' })).toBe(false);
      writer.close();
      other.close();
      expect(registry.activeCount()).toBe(0);
    });

    it('is bounded: streams, bytes and time', async () => {
      const registry = await make({ maxActiveStreams: 1, maxBufferedBytes: 10, maxDurationMs: 20 });
      const writer = await registry.open(key);
      await expect(registry.open({ tenantId: 't1', conversationId: 'c2' })).rejects.toMatchObject({
        code: 'rate_limited',
      });
      expect(writer.append('12345')).toBe(true);
      expect(writer.append('123456')).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(writer.signal.aborted).toBe(true);
      expect(writer.signal.reason).toMatchObject({ code: 'timeout' });
      writer.close();
    });

    it('stops the active reply through its signal', async () => {
      const registry = await make();
      expect(await registry.stop(key)).toBe(false);
      const writer = await registry.open(key);
      expect(await registry.stop(key)).toBe(true);
      expect(writer.signal.reason).toMatchObject({ code: 'aborted' });
      expect(await registry.stop(key)).toBe(false);
      writer.close();
    });
  });
}
