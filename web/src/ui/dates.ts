/**
 * The API's dates are calendar dates (`YYYY-MM-DD`, no time zone); people read
 * them in their own locale. Formatting at UTC keeps the day the API means.
 */
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDate(isoDate: string): string {
  return dateFormat.format(new Date(`${isoDate}T00:00:00Z`));
}

/** Today in UTC, as the API's `overdue` filter and `addTodo`'s default count it. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
