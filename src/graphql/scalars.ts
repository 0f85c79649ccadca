/**
 * The `Date` and `DateTime` scalars. Both travel as ISO-8601 strings and are kept
 * as such: dates as `YYYY-MM-DD`, times as UTC `toISOString()` text, which sort
 * and compare as text on both databases.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isIsoDate } from '../todos/due-date.js';

function literal(kind: Kind, value: string | undefined, name: string): string {
  if (kind !== Kind.STRING || value === undefined) throw new GraphQLError(`${name} must be a string.`);
  return value;
}

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new GraphQLError('A Date is a real calendar date written YYYY-MM-DD, such as "2027-10-24".');
  }
  return value;
}

function parseDateTime(value: unknown): string {
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time)) {
    throw new GraphQLError('A DateTime is an ISO-8601 time such as "2026-11-21T16:53:19.000Z".');
  }
  return new Date(time).toISOString();
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date in ISO-8601 form, `YYYY-MM-DD`.',
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literal(ast.kind, 'value' in ast ? String(ast.value) : undefined, 'A Date')),
});

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'A point in time in ISO-8601 form, in UTC with milliseconds.',
  serialize: (value) => String(value),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literal(ast.kind, 'value' in ast ? String(ast.value) : undefined, 'A DateTime')),
});
