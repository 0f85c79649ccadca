/**
 * A todo as the rest of the application sees it, whichever database it came from.
 * It carries every field the API serves under the field's own name, so GraphQL
 * reads them as plain properties: a resolver per field would run for every item
 * of every list.
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
}
