/**
 * Recurrence rules (RFC 5545 RRULE) over calendar days, through the `rrule`
 * library. A due date is a day, not an instant, so every date here is a
 * "floating" date: midnight UTC standing for that day wherever the todo is.
 * rrule then steps whole days, and no DST change can move an occurrence to the
 * day before (which happens when local midnight is converted to UTC). The time
 * zone only decides which day an instant names: an `UNTIL` written in UTC.
 */
import rrulePackage, { type Options } from 'rrule';

const { RRule, Frequency } = rrulePackage;

/** A rule as checked: the text kept as given (upper case, without `RRULE:`), and its zone. */
export interface RecurrenceRule {
  readonly rule: string;
  readonly timeZone: string;
}

export const MAX_RULE_LENGTH = 300;
/** Most occurrences COUNT may ask for, and the most INTERVAL may skip. */
export const MAX_COUNT = 1000;
export const MAX_INTERVAL = 1000;

/**
 * How many steps (days for DAILY, weeks, months or years) one search may take.
 * rrule looks for a match until the year 9999, so a rule no day satisfies
 * (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`) would cost seconds of CPU per call;
 * past this many steps the search stops and reports no occurrence. 4,000 days
 * are 11 years, wider than the sparsest daily rule worth writing (29 February,
 * 4 to 8 years apart); 4,000 weeks, months or years reach further still.
 */
const MAX_STEPS = 4000;

/** rrule reads years before 100 as 1900–1999: it cannot step from a due date before this. */
const FIRST_DAY = '1900-01-01';

const FREQUENCIES: Readonly<Record<string, Options['freq']>> = {
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
  YEARLY: Frequency.YEARLY,
};

const WEEKDAY = '(MO|TU|WE|TH|FR|SA|SU)';
const signed = (max: number) => (value: string) =>
  /^[+-]?\d{1,3}$/.test(value) && inRange(Math.abs(Number(value)), 1, max);
const inRange = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;

/** Each part a rule may have, and what one of its comma-separated values must look like. */
const PARTS: Readonly<Record<string, (value: string) => boolean>> = {
  BYDAY: (value) => new RegExp(`^([+-]?\\d{1,2})?${WEEKDAY}$`).test(value) && Math.abs(parseInt(value, 10) || 1) <= 53,
  BYMONTHDAY: signed(31),
  BYMONTH: (value) => /^\d{1,2}$/.test(value) && inRange(Number(value), 1, 12),
  BYSETPOS: signed(366),
  BYYEARDAY: signed(366),
  BYWEEKNO: signed(53),
};

export type RuleProblem = string;

/** Why `rule` in `timeZone` is not a rule this API keeps, or the rule as kept. */
export function checkRule(rule: string, timeZone: string): RecurrenceRule | RuleProblem {
  const zone = canonicalZone(timeZone);
  if (zone === null) return `"${timeZone.slice(0, 64)}" is not an IANA time zone (such as Europe/Berlin).`;
  if (rule.length > MAX_RULE_LENGTH) return `A rule has at most ${MAX_RULE_LENGTH} characters.`;
  const text = rule
    .trim()
    .toUpperCase()
    .replace(/^RRULE:/, '');
  if (/DTSTART|RDATE|EXDATE|[\r\n]/.test(text)) {
    return 'Give the RRULE alone (FREQ=…;…): its start is the todo\'s due date, and its zone is "timeZone".';
  }
  if (text === '') return 'The rule is empty: give at least FREQ, such as FREQ=WEEKLY.';
  const seen = new Set<string>();
  for (const part of text.split(';')) {
    const [key = '', value = '', ...rest] = part.split('=');
    if (rest.length > 0 || value === '') return `"${part.slice(0, 40)}" is not a KEY=VALUE part of a rule.`;
    if (seen.has(key)) return `${key} appears twice.`;
    seen.add(key);
    const problem = partProblem(key, value);
    if (problem !== null) return problem;
  }
  if (!seen.has('FREQ')) return 'A rule needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY).';
  if (seen.has('COUNT') && seen.has('UNTIL')) return 'A rule has COUNT or UNTIL, not both.';
  const combination = combinationProblem(/(?:^|;)FREQ=(\w+)/.exec(text)?.[1] ?? '', text);
  if (combination !== null) return combination;
  try {
    RRule.parseString(text);
  } catch {
    return 'The rule is not an RFC 5545 RRULE.';
  }
  return { rule: text, timeZone: zone };
}

/** The parts RFC 5545 allows only with some frequencies (section 3.3.10), which rrule would quietly accept. */
function combinationProblem(freq: string, text: string): string | null {
  const has = (key: string) => new RegExp(`(?:^|;)${key}=`).test(text);
  if (has('BYWEEKNO') && freq !== 'YEARLY') return 'BYWEEKNO goes with FREQ=YEARLY only.';
  if (has('BYYEARDAY') && freq !== 'YEARLY') return 'BYYEARDAY goes with FREQ=YEARLY only.';
  if (has('BYMONTHDAY') && freq === 'WEEKLY') return 'BYMONTHDAY does not go with FREQ=WEEKLY.';
  const ordinalDay = /(?:^|;)BYDAY=[^;]*[+-]?\d/.test(text);
  if (ordinalDay && freq !== 'MONTHLY' && freq !== 'YEARLY') {
    return 'A numbered BYDAY (such as -1FR, the last Friday) goes with FREQ=MONTHLY or YEARLY.';
  }
  return null;
}

function partProblem(key: string, value: string): string | null {
  switch (key) {
    case 'FREQ':
      if (['SECONDLY', 'MINUTELY', 'HOURLY'].includes(value)) {
        return `FREQ=${value} is refused: due dates are days, so a todo repeats at most daily.`;
      }
      return value in FREQUENCIES ? null : 'FREQ is DAILY, WEEKLY, MONTHLY or YEARLY.';
    case 'INTERVAL':
      return /^\d{1,4}$/.test(value) && inRange(Number(value), 1, MAX_INTERVAL)
        ? null
        : `INTERVAL is a whole number from 1 to ${MAX_INTERVAL}.`;
    case 'COUNT':
      return /^\d{1,4}$/.test(value) && inRange(Number(value), 1, MAX_COUNT)
        ? null
        : `COUNT is a whole number from 1 to ${MAX_COUNT}.`;
    case 'UNTIL':
      return /^\d{8}(T\d{6}Z?)?$/.test(value) && untilDate(value, 'UTC') !== null
        ? null
        : 'UNTIL is a date (20270301) or a time (20270301T120000Z).';
    case 'WKST':
      return new RegExp(`^${WEEKDAY}$`).test(value) ? null : 'WKST is a weekday: MO, TU, WE, TH, FR, SA or SU.';
    case 'BYHOUR':
    case 'BYMINUTE':
    case 'BYSECOND':
      return `${key} is refused: due dates are days, without a time.`;
    default: {
      const valid = PARTS[key];
      if (!valid) return `${key.slice(0, 20)} is not a part of a rule this API supports.`;
      return value.split(',').every(valid) ? null : `${key}=${value.slice(0, 40)} has a value out of range.`;
    }
  }
}

/** The zone's canonical IANA name, or null when there is no such zone. */
function canonicalZone(timeZone: string): string | null {
  if (timeZone.length === 0 || timeZone.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The last day UNTIL allows: a date as written; a UTC time (…Z) as the day it
 * is in `timeZone`; a local time as its day. Null when it names no real date.
 */
function untilDate(value: string, timeZone: string): string | null {
  const day = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  if (!isRealDate(day)) return null;
  if (!value.endsWith('Z')) return day;
  const instant = new Date(`${day}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`);
  if (Number.isNaN(instant.getTime())) return null;
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

function isRealDate(day: string): boolean {
  const date = floating(day);
  return !Number.isNaN(date.getTime()) && dayOf(date) === day;
}

/** A calendar day as rrule's floating date: midnight UTC. (Not Date.UTC, which reads years 0–99 as 1900–1999.) */
const floating = (day: string): Date => new Date(`${day}T00:00:00Z`);
const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** The rule's options with `start` as DTSTART, and UNTIL as the last day it allows in the rule's zone. */
function optionsOf({ rule, timeZone }: RecurrenceRule, start: string): Partial<Options> {
  const parts = rule.split(';').filter((part) => !part.startsWith('UNTIL=') && !part.startsWith('COUNT='));
  const options = RRule.parseString(parts.join(';'));
  const until = /(?:^|;)UNTIL=([^;]+)/.exec(rule)?.[1];
  const last = until === undefined ? null : untilDate(until, timeZone);
  return { ...options, dtstart: floating(start), ...(last === null ? {} : { until: floating(last) }) };
}

/**
 * An RRule that gives up after MAX_STEPS steps. rrule reads `interval` once to
 * test for 0 (which ends its search) and once to take each step, so answering
 * 0 past the budget ends the search where it is, with what it found so far.
 */
function boundedRule(options: Partial<Options>): InstanceType<typeof RRule> {
  const rule = new RRule(options, true);
  const { interval } = rule.options;
  let reads = 0;
  Object.defineProperty(rule.options, 'interval', { get: () => (++reads > 2 * MAX_STEPS ? 0 : interval) });
  return rule;
}

/**
 * Occurrences strictly after `day`, at most `limit`, with the rule starting on
 * `day` (RFC 5545's DTSTART: the todo's current due date). COUNT is not
 * applied here: the caller keeps what is left of it (see recurrence.repository.ts).
 */
export function occurrencesAfter(rule: RecurrenceRule, day: string, limit: number): string[] {
  if (limit <= 0 || day < FIRST_DAY) return [];
  const found = boundedRule(optionsOf(rule, day)).all((date, index) => index < limit + 1);
  return found
    .map(dayOf)
    .filter((date) => date > day)
    .slice(0, limit);
}

/** The first occurrence after `day`, or null when the rule has none (UNTIL passed, or none within reach). */
export function nextOccurrence(rule: RecurrenceRule, day: string): string | null {
  return occurrencesAfter(rule, day, 1)[0] ?? null;
}

/**
 * Whether the rule, ignoring COUNT and UNTIL, has an occurrence after `day`
 * within the search's reach: false for a rule no day satisfies
 * (`FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`) or one too sparse to search.
 */
export function repeatsAfter(rule: RecurrenceRule, day: string): boolean {
  const unbounded = rule.rule
    .split(';')
    .filter((part) => !part.startsWith('UNTIL='))
    .join(';');
  return nextOccurrence({ ...rule, rule: unbounded }, day) !== null;
}

/** COUNT as a number, or null when the rule has none. */
export function countOf(rule: RecurrenceRule): number | null {
  const count = /(?:^|;)COUNT=(\d+)/.exec(rule.rule)?.[1];
  return count === undefined ? null : Number(count);
}

/** The rule in English ("every week on Monday, Thursday"), by rrule's toText. */
export function summaryOf(rule: RecurrenceRule): string {
  const options = RRule.parseString(rule.rule);
  const until = /(?:^|;)UNTIL=([^;]+)/.exec(rule.rule)?.[1];
  const last = until === undefined ? null : untilDate(until, rule.timeZone);
  // Noon keeps toText's date on its day whatever zone the server runs in.
  const text = new RRule({ ...options, ...(last === null ? {} : { until: new Date(`${last}T12:00:00Z`) }) }).toText();
  return text + positionsText(rule.rule);
}

const PERIODS: Readonly<Record<string, string>> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

/**
 * rrule's toText leaves BYSETPOS out: "the last weekday of the month" would
 * read "every month on weekdays". This says which of them: ", the last of each month".
 */
function positionsText(rule: string): string {
  const positions = /(?:^|;)BYSETPOS=([^;]+)/.exec(rule)?.[1];
  const period = PERIODS[/(?:^|;)FREQ=(\w+)/.exec(rule)?.[1] ?? ''];
  if (positions === undefined || period === undefined) return '';
  const named = positions.split(',').map((value) => {
    const position = Number(value);
    if (position === -1) return 'last';
    return position > 0 ? ordinal(position) : `${ordinal(-position)} to last`;
  });
  return `, the ${named.join(' and ')} of each ${period}`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as const)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}
