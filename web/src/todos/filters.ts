import type { Priority, TodoFilter, TodoOrder } from '../gql/graphql';

/** What the filter bar holds, turned into the API's `filter` and `orderBy` by `toApi`. */
export interface TodoView {
  status: 'all' | 'open' | 'done';
  overdue: boolean;
  priority: Priority | 'any';
  text: string;
  order: TodoOrder['field'];
  direction: 'ASC' | 'DESC';
}

export const DEFAULT_VIEW: TodoView = {
  status: 'all',
  overdue: false,
  priority: 'any',
  text: '',
  order: 'CREATED_AT',
  direction: 'ASC',
};

export function toApi(view: TodoView): { filter: TodoFilter; orderBy: TodoOrder } {
  const filter: TodoFilter = {};
  if (view.status !== 'all') filter.completed = view.status === 'done';
  if (view.overdue) filter.overdue = true;
  if (view.priority !== 'any') filter.priority = [view.priority];
  // Subtasks show under their parent, except in a search, which finds them too.
  if (view.text.trim() !== '') filter.text = view.text.trim();
  else filter.isSubtask = false;
  return { filter, orderBy: { field: view.order, direction: view.direction } };
}

export const PRIORITIES: readonly Priority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
export const PRIORITY_NAMES: Record<Priority, string> = {
  LOW: 'Low',
  NORMAL: 'Normal',
  HIGH: 'High',
  URGENT: 'Urgent',
};
