import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.js';

/**
 * Foreign keys on every reference, so no row can point at one that does not
 * exist: todos → lists (a list's todos go with it) and → users, lists → users.
 * (Sessions and memberships have had theirs since they were made.)
 *
 * The anonymous space (owner 0) becomes a row of `users`, with no password and
 * a name no registration can take; the repositories never answer it as a user.
 *
 * Before the keys, rows that already point nowhere are removed: todos of a
 * deleted list (a race this release closes left some behind; their list's
 * deletion was acknowledged, so they are deleted as it said) and rows of owners
 * that do not exist.
 *
 * PostgreSQL adds the keys in place. SQLite cannot add a key to a table, so it
 * rebuilds `todos` and `lists` the way its documentation describes (foreign keys
 * off, copy, swap, check, on again), in one transaction, keeping each table's
 * AUTOINCREMENT counter so no deleted id is handed out again.
 */
export const addForeignKeys: Migration = {
  async up(db, dialect) {
    if (dialect === 'postgres') {
      await removeOrphans(db);
      await sql`alter table todos alter column list_id set not null`.execute(db);
      // Defaults of 0003 were that migration's own time; every insert sets both.
      await sql`alter table todos alter column created_at drop default, alter column updated_at drop default`.execute(
        db,
      );
      await sql`alter table todos add constraint todos_list_fk foreign key (list_id) references lists (id) on delete cascade`.execute(
        db,
      );
      await sql`alter table todos add constraint todos_owner_fk foreign key (owner_id) references users (id)`.execute(
        db,
      );
      await sql`alter table lists add constraint lists_owner_fk foreign key (owner_id) references users (id)`.execute(
        db,
      );
      return;
    }
    // Outside any transaction, where SQLite lets the setting change.
    await sql`pragma foreign_keys = off`.execute(db);
    try {
      await sql`begin immediate`.execute(db);
      try {
        await removeOrphans(db);
        await rebuildSqliteTables(db);
        const violations = await sql`pragma foreign_key_check`.execute(db);
        if (violations.rows.length > 0) throw new Error(`foreign key check failed: ${JSON.stringify(violations.rows)}`);
        await sql`commit`.execute(db);
      } catch (error) {
        await sql`rollback`.execute(db);
        throw error;
      }
    } finally {
      await sql`pragma foreign_keys = on`.execute(db);
    }
  },
};

const ANONYMOUS_SPACE = sql`0, '(anonymous space)', '(anonymous space)', '!', '1970-01-01T00:00:00.000Z'`;

async function removeOrphans(db: Kysely<unknown>): Promise<void> {
  await sql`insert into users (id, username, username_key, password_hash, created_at)
    select ${ANONYMOUS_SPACE} where not exists (select 1 from users where id = 0)`.execute(db);
  await sql`delete from list_members where list_id not in (select id from lists) or user_id not in (select id from users)`.execute(
    db,
  );
  await sql`delete from sessions where user_id not in (select id from users)`.execute(db);
  await sql`delete from list_members where list_id in (select id from lists where owner_id not in (select id from users))`.execute(
    db,
  );
  await sql`delete from todos where list_id in (select id from lists where owner_id not in (select id from users))`.execute(
    db,
  );
  await sql`delete from lists where owner_id not in (select id from users)`.execute(db);
  await sql`delete from todos where list_id is null or list_id not in (select id from lists)
    or owner_id not in (select id from users)`.execute(db);
}

/** Counters of AUTOINCREMENT tables, which a rebuild would otherwise restart at the highest id left. */
async function sequence(db: Kysely<unknown>, table: string): Promise<number> {
  const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${table}`.execute(db);
  return rows[0]?.seq ?? 0;
}

async function rebuildSqliteTables(db: Kysely<unknown>): Promise<void> {
  const counters = { lists: await sequence(db, 'lists'), todos: await sequence(db, 'todos') };

  await sql`create table lists_rebuilt (
    id integer primary key autoincrement,
    owner_id integer not null references users (id),
    name text not null,
    is_inbox boolean not null default false,
    created_at text not null
  )`.execute(db);
  await sql`insert into lists_rebuilt (id, owner_id, name, is_inbox, created_at)
    select id, owner_id, name, is_inbox, created_at from lists`.execute(db);
  await sql`drop table lists`.execute(db);
  await sql`alter table lists_rebuilt rename to lists`.execute(db);
  await sql`create unique index lists_one_inbox_per_owner on lists (owner_id) where is_inbox = true`.execute(db);
  await sql`create index lists_by_owner on lists (owner_id, id)`.execute(db);

  await sql`create table todos_rebuilt (
    id integer primary key autoincrement,
    description text not null,
    completed boolean not null default false,
    due_date text not null,
    owner_id integer not null default 0 references users (id),
    list_id integer not null references lists (id) on delete cascade,
    notes text,
    priority integer not null default 1,
    created_at text not null,
    updated_at text not null,
    completed_at text
  )`.execute(db);
  await sql`insert into todos_rebuilt
      (id, description, completed, due_date, owner_id, list_id, notes, priority, created_at, updated_at, completed_at)
    select id, description, completed, due_date, owner_id, list_id, notes, priority, created_at, updated_at, completed_at
    from todos`.execute(db);
  await sql`drop table todos`.execute(db);
  await sql`alter table todos_rebuilt rename to todos`.execute(db);
  await sql`create index todos_by_list on todos (list_id, id)`.execute(db);
  for (const column of ['due_date', 'priority', 'created_at']) {
    await sql`create index ${sql.id(`todos_by_list_and_${column}`)} on todos (list_id, ${sql.ref(column)}, id)`.execute(
      db,
    );
  }
  await sql`create index todos_by_list_and_completed_at on todos (list_id, coalesce(completed_at, ''), id)`.execute(db);

  for (const [table, seq] of Object.entries(counters)) {
    await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = ${table}`.execute(db);
    await sql`insert into sqlite_sequence (name, seq) select ${table}, ${seq}
      where not exists (select 1 from sqlite_sequence where name = ${table})`.execute(db);
  }
}
