import type { StorageV1 } from '@churn/core';
import { createStorage, type PostgresStorage, type StorageSettings } from '../storage/index.js';

/**
 * What the routes share once the server is ready: storage now, and the services later
 * features add (knowledge bases, rate limiter, payment provider). Built once per handler.
 */
export interface ChurnServices {
  storage: StorageV1;
}

/** How the handler gets its storage: a ready one, or settings to open PostgreSQL or PGlite. */
export type StorageOption = StorageV1 | (StorageSettings & { kind?: never });

function isStorage(option: StorageOption): option is StorageV1 {
  return (option as StorageV1).specificationVersion === 'v1';
}

/**
 * Opens the services in the background as soon as the handler is created, so the
 * first request does not pay for it and `/healthz` can tell when they are ready.
 */
export class ServicesLoader {
  #promise: Promise<ChurnServices> | undefined;
  #ready = false;
  #failure: unknown;
  readonly #open: () => Promise<ChurnServices>;

  constructor(open: () => Promise<ChurnServices>) {
    this.#open = open;
  }

  /** Starts opening (once) and answers the services when they are ready. */
  load(): Promise<ChurnServices> {
    this.#promise ??= this.#open().then(
      (services) => {
        this.#ready = true;
        return services;
      },
      (error: unknown) => {
        this.#failure = error;
        // Let the next request try again instead of failing forever.
        this.#promise = undefined;
        throw error;
      },
    );
    return this.#promise;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** The last opening error, if the services are not ready because of one. */
  get failure(): unknown {
    return this.#ready ? undefined : this.#failure;
  }
}

/**
 * Opens the storage: the one given, else PostgreSQL when `databaseUrl` is set, else
 * embedded PGlite in `<dataDir>/data`. Migrations run on open.
 */
export async function openServices(options: {
  storage?: StorageOption | undefined;
  dataDir: string;
}): Promise<ChurnServices> {
  const option = options.storage ?? {};
  if (isStorage(option)) return { storage: option };
  const storage: PostgresStorage = await createStorage({
    dataDir: `${options.dataDir}/data`,
    ...option,
  });
  return { storage };
}
