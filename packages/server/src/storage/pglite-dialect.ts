import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** Settings of {@link PGliteDialect}. */
export interface PGliteDialectSettings {
  /** The embedded database. */
  client: PGlite;
  /** Whether `Kysely.destroy()` closes the client. Default true. */
  closeOnDestroy?: boolean;
}

const affectingKinds = new Set([
  'InsertQueryNode',
  'UpdateQueryNode',
  'DeleteQueryNode',
  'MergeQueryNode',
]);

/**
 * A Kysely dialect over PGlite (PostgreSQL compiled to WebAssembly). PGlite has
 * one connection, so this driver hands it to one user at a time: a transaction
 * holds it from `begin` to `commit`/`rollback`, and other queries queue behind it.
 * The SQL is PostgreSQL's, so the PostgreSQL compiler, adapter (migration lock
 * included) and introspector are Kysely's own.
 */
export class PGliteDialect implements Dialect {
  readonly #settings: PGliteDialectSettings;

  constructor(settings: PGliteDialectSettings) {
    this.#settings = settings;
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#settings);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  readonly #settings: PGliteDialectSettings;
  readonly #connection: PGliteConnection;
  /** Resolves when the current holder releases the connection. */
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(settings: PGliteDialectSettings) {
    this.#settings = settings;
    this.#connection = new PGliteConnection(settings.client);
  }

  async init(): Promise<void> {
    await this.#settings.client.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release: () => void = () => {};
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const access = settings.accessMode ? ` ${settings.accessMode}` : '';
    await connection.executeQuery(CompiledQuery.raw(`start transaction${isolation}${access}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    await this.#queue;
    if ((this.#settings.closeOnDestroy ?? true) && !this.#settings.client.closed) {
      await this.#settings.client.close();
    }
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #client: PGlite;

  constructor(client: PGlite) {
    this.#client = client;
  }

  async executeQuery<Row>(compiledQuery: CompiledQuery): Promise<QueryResult<Row>> {
    const result = await this.#client.query<Row>(compiledQuery.sql, [...compiledQuery.parameters], {
      rowMode: 'object',
    });
    if (affectingKinds.has(compiledQuery.query.kind) && result.affectedRows !== undefined) {
      return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
    }
    return { rows: result.rows };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported, the generator only throws.
  async *streamQuery<Row>(): AsyncIterableIterator<QueryResult<Row>> {
    throw new Error('PGlite does not support streaming queries: use execute() instead.');
  }
}
