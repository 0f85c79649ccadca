/**
 * Per-request batch loaders (DataLoader): every `owner`, `list`, count and member list that
 * one operation asks for is fetched with one query per kind, however many items
 * ask. They are made on first use, so requests that need none pay nothing.
 */
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { findUsers, type UserRecord } from '../accounts/accounts.repository.js';
import type { Tables } from '../db/tables.js';
import { countTodos, findLists, findMembers, type ListRecord, type MemberRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { findTodos } from '../todos/todos.repository.js';
import { labelsOn, type LabelRecord } from '../labels/labels.repository.js';

export interface Loaders {
  /** Lists the caller may read, by id; undefined for any other id. */
  readonly list: DataLoader<number, ListRecord | undefined>;
  readonly user: DataLoader<number, UserRecord | undefined>;
  readonly counts: DataLoader<number, { open: number; done: number }>;
  /** Members of a list, by list id. */
  readonly members: DataLoader<number, MemberRecord[]>;
  /** Todos the caller may read, by id (a subtask's parent); undefined for any other id. */
  readonly todo: DataLoader<number, TodoRecord | undefined>;
  /** Labels on a todo (one the caller could read), by todo id. */
  readonly todoLabels: DataLoader<number, LabelRecord[]>;
}

/**
 * `remember: false` is for subscriptions, whose one context serves every change
 * they deliver: their loaders batch but keep nothing, so each change is read as
 * it is when delivered.
 */
export function createLoaders(db: Kysely<Tables>, owner: number | null, remember = true): Loaders {
  const options = { cache: remember };
  return {
    list: new DataLoader(async (ids) => {
      const lists = owner === null ? [] : await findLists(db, owner, ids, 'read');
      const byId = new Map(lists.map((list) => [list.id, list]));
      return ids.map((id) => byId.get(id));
    }, options),
    user: new DataLoader(async (ids) => {
      const byId = new Map((await findUsers(db, ids)).map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id));
    }, options),
    counts: new DataLoader(async (ids) => {
      const counts = await countTodos(db, ids);
      return ids.map((id) => counts.get(id) ?? { open: 0, done: 0 });
    }, options),
    members: new DataLoader(async (ids) => {
      const members = await findMembers(db, ids);
      return ids.map((id) => members.filter((member) => member.listId === id));
    }, options),
    todo: new DataLoader(async (ids) => {
      const todos = owner === null ? [] : await findTodos(db, owner, ids);
      const byId = new Map(todos.map((todo) => [todo.id, todo]));
      return ids.map((id) => byId.get(id));
    }, options),
    todoLabels: new DataLoader(async (ids) => {
      const labels = await labelsOn(db, ids);
      return ids.map((id) => labels.get(id) ?? []);
    }, options),
  };
}
