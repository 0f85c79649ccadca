/**
 * Kysely's SQLite dialect, with the write-transaction semantics the
 * repositories are written for.
 *
 * The repositories lock the rows a write depends on (`forUpdate()`,
 * `forShare()`), which PostgreSQL needs at READ COMMITTED. SQLite has no row
 * locks: it lets one transaction write at a time. Transactions here begin
 * IMMEDIATE, taking that write lock at their first statement rather than at
 * their first write, so a transaction never reads, waits, and then finds what it
 * read has changed (nor fails to upgrade its lock, when another process shares
 * the file). Holding the whole database, it holds every row lock the SQL asks
 * for; the compiler leaves those clauses out, which SQLite would not parse.
 */
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type SelectModifierNode,
} from 'kysely';

const ROW_LOCKS = new Set(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare', 'NoWait', 'SkipLocked']);

class SqliteCompiler extends SqliteQueryCompiler {
  protected override visitSelectModifier(node: SelectModifierNode): void {
    if (node.modifier !== undefined && ROW_LOCKS.has(node.modifier)) return;
    super.visitSelectModifier(node);
  }
}

class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class SerializedSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.#config);
  }

  override createQueryCompiler(): QueryCompiler {
    return new SqliteCompiler();
  }
}
