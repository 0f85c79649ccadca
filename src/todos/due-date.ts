/**
 * The tutorial's `dd-mm-yyyy` dates. Stored as ISO `YYYY-MM-DD`, which sorts and
 * compares correctly as text on both databases.
 */

const DD_MM_YYYY = /^(\d{2})-(\d{2})-(\d{4})$/;

/** Parses `dd-mm-yyyy` into ISO `YYYY-MM-DD`, or null unless it names a real calendar date. */
export function parseDueDate(input: string): string | null {
  const match = DD_MM_YYYY.exec(input);
  if (!match) return null;
  const [, dd, mm, yyyy] = match as unknown as [string, string, string, string];
  const day = Number(dd);
  const month = Number(mm);
  const year = Number(yyyy);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${yyyy}-${mm}-${dd}`;
}

const YYYY_MM_DD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is ISO `YYYY-MM-DD` naming a real calendar date. */
export function isIsoDate(value: string): boolean {
  const match = YYYY_MM_DD.exec(value);
  return match !== null && parseDueDate(`${match[3] ?? ''}-${match[2] ?? ''}-${match[1] ?? ''}`) !== null;
}

/** Formats ISO `YYYY-MM-DD` as `dd-mm-yyyy`. */
export function formatDueDate(isoDate: string): string {
  return `${isoDate.slice(8, 10)}-${isoDate.slice(5, 7)}-${isoDate.slice(0, 4)}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
