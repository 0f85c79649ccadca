/** A todo as the rest of the application sees it, whichever database it came from. */
export interface TodoRecord {
  readonly id: number;
  readonly description: string;
  readonly completed: boolean;
  /** Due date as ISO `YYYY-MM-DD`; the API shows it as `dd-mm-yyyy`. */
  readonly dueOn: string;
}
