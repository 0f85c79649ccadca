/** The kinds of SQL statement metrics tell apart: a fixed set, whatever the text. */
export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'begin' | 'commit' | 'rollback' | 'other';

const KINDS: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete', 'begin', 'commit', 'rollback']);

const FIRST_WORD = /^\s*([A-Za-z]+)/;

/** The kind of `sqlText`, from its first word (`with … select` counts as other). */
export function statementKind(sqlText: string): StatementKind {
  const word = FIRST_WORD.exec(sqlText)?.[1]?.toLowerCase();
  return word !== undefined && KINDS.has(word) ? (word as StatementKind) : 'other';
}

export const STATEMENT_KINDS: readonly StatementKind[] = [...KINDS, 'other'] as StatementKind[];
