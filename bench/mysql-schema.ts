import knex from 'knex';

/**
 * A new, empty schema on the MySQL/MariaDB server at `serverUrl` for one bench section: its URL
 * (the server's with the schema as its path) and how to drop it afterwards.
 */
export async function createBenchSchema(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const onServer = async (sql: string) => {
    const admin = knex({ client: 'mysql2', connection: serverUrl });
    try {
      await admin.raw(sql);
    } finally {
      await admin.destroy();
    }
  };
  await onServer(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS \`${name}\``) };
}
