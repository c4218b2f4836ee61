import type { Migration } from 'kysely';
import * as initial from './001_initial.js';

/**
 * Every migration, by name, in the order they run. Names are stored in the
 * migration table: never rename or edit a released one, add `002_...` instead.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '001_initial': initial,
};
