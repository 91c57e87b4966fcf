// Numbered migrations of the PostgreSQL store: applied once, in order, even when nodes start together.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '@/network/store/postgres-migrations';
import { openPostgresStore } from '@/network/store/postgres';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

async function appliedVersions(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    return rows.map((r) => r.version);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL migrations', () => {
  it('ships numbered migrations starting at 1 without gaps', () => {
    const versions = loadMigrations().map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('migrates a fresh database once when several nodes open it at the same moment', async () => {
    const url = await cluster.newDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore({ url })));
    await Promise.all(stores.map((s) => s.close()));
    expect(await appliedVersions(url)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('applies only the migrations a database has not seen yet', async () => {
    const url = await cluster.newDatabase();
    const pool = new pg.Pool({ connectionString: url });
    try {
      const shipped = loadMigrations();
      expect(await migrate(pool, shipped)).toEqual(shipped.map((m) => m.version));
      const next = {
        version: shipped.length + 1,
        name: 'add_note',
        sql: 'ALTER TABLE envelopes ADD COLUMN note text',
      };
      expect(await migrate(pool, [...shipped, next])).toEqual([next.version]);
      expect(await migrate(pool, [...shipped, next])).toEqual([]);
      const { rows } = await pool.query(
        "SELECT 1 FROM information_schema.columns WHERE column_name = 'note'",
      );
      expect(rows).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });

  it('rolls back a failing migration, records nothing for it and names it in the error', async () => {
    const url = await cluster.newDatabase();
    const pool = new pg.Pool({ connectionString: url });
    try {
      const shipped = loadMigrations();
      const broken = {
        version: 99,
        name: 'broken',
        sql: 'CREATE TABLE half (x int); SELECT no_such_function()',
      };
      await expect(migrate(pool, [...shipped, broken])).rejects.toMatchObject({
        code: 'migration_failed',
        message: expect.stringContaining('99_broken'),
      });
      expect(await appliedVersions(url)).toEqual(shipped.map((m) => m.version));
      const { rows } = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
      expect(rows).toHaveLength(0);
      // The advisory lock was released: the next start migrates normally.
      expect(await migrate(pool, shipped)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('describes itself without the password of its URL', async () => {
    const url = (await cluster.newDatabase()).replace('postgres@', 'postgres:s3cret@');
    const store = await openPostgresStore({ url });
    try {
      expect(store.description).toContain('PostgreSQL at postgres://postgres:***@127.0.0.1');
      expect(store.description).not.toContain('s3cret');
    } finally {
      await store.close();
    }
  });
});
