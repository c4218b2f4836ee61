import type { InsertObject, Kysely, Selectable, SelectQueryBuilder, UpdateObject } from 'kysely';
import { notFound, page } from './storage-helpers.js';

/** The tables of `DB` whose rows belong to a tenant and have an `id`: `tenant_id` and `id`. */
export type TenantTable<DB> = {
  [Table in keyof DB & string]: Selectable<DB[Table]> extends { tenant_id: string; id: string }
    ? Table
    : never;
}[keyof DB & string];

/** The primary key of a tenant's row. */
export interface TenantKey {
  tenantId: string;
  id: string;
}

/** A select of all the columns of `Table`, as `list` hands it to its `refine` callback. */
export type TenantRowsQuery<DB, Table extends keyof DB & string> = SelectQueryBuilder<
  DB,
  Table,
  Selectable<DB[Table]>
>;

/**
 * The one table the helper's queries are written against: the real table's name, typed with
 * just the two columns every query here filters on. TypeScript cannot resolve a column of a
 * table whose name is a type parameter, so the queries are built over this view and their
 * rows and values typed back as the real table's (the SQL is the same either way).
 */
type KeyedTables = { rows: { tenant_id: string; id: string } };

/**
 * The tenant-scoped queries the storage repositories share on one table: read, find, list,
 * insert, update and delete one tenant's rows by `tenant_id` and `id`, each row handed back
 * through `toRecord`. What is particular to a table (case-insensitive lookups, transactions
 * that lock rows, cache invalidation, multi-step writes) stays in its repository; these are
 * the queries that are the same everywhere, with the SQL, results and errors they had when
 * each repository wrote them out.
 */
export function tenantRows<DB, Table extends TenantTable<DB>, Entity>(
  db: Kysely<DB>,
  table: Table,
  toRecord: (row: Selectable<DB[Table]>) => Entity,
) {
  const keyed = db as unknown as Kysely<KeyedTables>;
  const name = table as unknown as 'rows';
  const fromRow = (row: unknown): Entity => toRecord(row as Selectable<DB[Table]>);
  return {
    /** The row with this id in this tenant, or `undefined`. */
    async get(key: TenantKey): Promise<Entity | undefined> {
      const row = await keyed
        .selectFrom(name)
        .selectAll()
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.id)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    /** The first row of this tenant whose `column` equals `value` (`lock`: `for update`). */
    async findBy<Column extends keyof Selectable<DB[Table]> & string>(
      scope: { tenantId: string; lock?: boolean },
      column: Column,
      value: NonNullable<Selectable<DB[Table]>[Column]>,
    ): Promise<Entity | undefined> {
      const query = keyed
        .selectFrom(name)
        .selectAll()
        .where('tenant_id', '=', scope.tenantId)
        .where(column as unknown as 'id', '=', value as unknown as string);
      const row = await (scope.lock ? query.forUpdate() : query).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    /**
     * One page of this tenant's rows: `refine` adds the filters and the order, the helper
     * the tenant, `limit` and `offset` (validated first).
     */
    async list(
      options: { tenantId: string; limit?: number; offset?: number },
      refine: (query: TenantRowsQuery<DB, Table>) => TenantRowsQuery<DB, Table>,
    ): Promise<Entity[]> {
      const { limit, offset } = page(options);
      const query = keyed
        .selectFrom(name)
        .selectAll()
        .where('tenant_id', '=', options.tenantId) as unknown as TenantRowsQuery<DB, Table>;
      const rows = await refine(query).limit(limit).offset(offset).execute();
      return rows.map(fromRow);
    },
    /** Inserts one row and answers it as stored. */
    async insert(values: InsertObject<DB, Table>): Promise<Entity> {
      const row = await keyed
        .insertInto(name)
        .values(values as unknown as InsertObject<KeyedTables, 'rows'>)
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow(row);
    },
    /**
     * Sets `values` on the row and answers it as stored; `not_found` naming `entity` when
     * this tenant has no row with this id.
     */
    async update(key: TenantKey, values: UpdateObject<DB, Table>, entity: string): Promise<Entity> {
      const row = await keyed
        .updateTable(name)
        .set(values as unknown as UpdateObject<KeyedTables, 'rows'>)
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound(entity, key.id);
      return fromRow(row);
    },
    /** Deletes the row; answers whether there was one. */
    async remove(key: TenantKey): Promise<boolean> {
      const result = await keyed
        .deleteFrom(name)
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
