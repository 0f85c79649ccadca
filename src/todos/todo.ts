/**
 * A todo as the rest of the application sees it, whichever database it came from.
 * It carries every field the API serves under the field's own name, so GraphQL
 * reads them as plain properties: a resolver per field would run for every item
 * of every list. (`list` and `owner` are resolved from `listId` and `ownerId`.)
 */
export interface TodoRecord {
  /** Row id. The `ID` scalar sends it as a string ("42"). */
  readonly id: number;
  readonly description: string;
  readonly completed: boolean;
  /** Due date as ISO `YYYY-MM-DD`, as stored. */
  readonly dueOn: string;
  /** The same date as the tutorial writes it, `dd-mm-yyyy`. */
  readonly dueDate: string;
  readonly notes: string | null;
  readonly priority: Priority;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
  readonly listId: number;
  /** The creator's user id, or ANONYMOUS_OWNER. */
  readonly ownerId: number;
  /** 1 when made, one more for each write. */
  readonly version: number;
  /** The todo this one is a subtask of, or null. */
  readonly parentId: number | null;
  /** Fractional index among its siblings (src/subtasks/positions.ts). */
  readonly position: string;
}

/** Least to most: a priority is stored as its index here. */
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const priorityRank = (priority: Priority): number => PRIORITIES.indexOf(priority);
export const priorityOfRank = (rank: number): Priority => PRIORITIES[rank] ?? 'NORMAL';
