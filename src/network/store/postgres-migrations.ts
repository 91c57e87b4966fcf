// Numbered SQL migrations for the PostgreSQL store (migrations/postgres/NNN_name.sql), applied in order
// and recorded in schema_migrations. Several nodes may start at once on one database: a session-level
// advisory lock serialises them, so each migration runs exactly once and the others wait, then see it.
import { readdirSync, readFileSync } from 'node:fs';
import type { Pool, PoolClient } from 'pg';
import { ProtocolError } from '@/protocol/errors';

const MIGRATIONS_DIR = new URL('./migrations/postgres/', import.meta.url);

// Any fixed 64-bit key works; this one is the first 8 bytes of sha256("xmtp-inbox schema migrations").
const MIGRATION_LOCK_KEY = '7162984731047733519';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with the store, by ascending version. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match)
      throw new ProtocolError('bad_migration_name', `migration file name not NNN_name.sql: ${file}`);
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: readFileSync(new URL(file, dir), 'utf8'),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new ProtocolError('bad_migration_name', `two migrations numbered ${migrations[i]!.version}`);
    }
  }
  return migrations;
}

/** Applies pending migrations, each in its own transaction; returns the versions it applied. */
export async function migrate(pool: Pool, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((error: Error) => {
        // Dropping the connection releases a session lock too.
        broken = error;
      });
    }
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, migrations: Migration[]): Promise<number[]> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version    integer     PRIMARY KEY,
       name       text        NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const done = new Set(
    (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
      (r) => r.version,
    ),
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      await client.query('COMMIT');
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new ProtocolError(
        'migration_failed',
        `PostgreSQL migration ${migration.version}_${migration.name} failed: ${(cause as Error).message}`,
        { cause },
      );
    }
    applied.push(migration.version);
  }
  return applied;
}
