/**
 * The tutorial's error messages. Clients match on these strings, so they are part
 * of the API contract: change none of them.
 */
export const todoMessages = {
  itemNotFound: (todoId: string) => `Todo item matching id ${todoId} not found`,
  notFound: (todoId: string) => `Todo matching id ${todoId} not found`,
  wasNotFound: (todoId: string) => `Todo matching id ${todoId} was not found`,
  badDate: 'Incorrect date format provided. Date should be in the format dd-mm-yyyy',
  /** Not the tutorial's: what anonymous callers get when ALLOW_ANONYMOUS=false. */
  authenticationRequired: 'Authentication required',
  /** Not the tutorial's: `todos` is unpaged, so past MAX_UNPAGED_TODOS it asks for pages instead. */
  tooManyTodos: (limit: number) =>
    `There are more than ${limit} todos (MAX_UNPAGED_TODOS): page through them with allTodos(first:, after:).`,
} as const;
