/**
 * Resolvers for `Todo.recurrence`, `Todo.completions` and their types. A page
 * of todos asking for either is read with one statement per kind (DataLoader),
 * not one per todo.
 */
import DataLoader from 'dataloader';
import { limitError } from '../graphql/document-limits.js';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import {
  findCompletions,
  findRecurrences,
  type CompletionRecord,
  type StoredRecurrence,
} from './recurrence.repository.js';
import { occurrencesAfter, summaryOf } from './rule.js';

/** Most dates `nextOccurrences` answers, and most completions one todo answers. */
export const MAX_NEXT_OCCURRENCES = 20;
export const MAX_COMPLETIONS = 100;

/** A todo's rule with the state of the todo it belongs to, which its upcoming dates start from. */
export interface RecurrenceView extends StoredRecurrence {
  readonly dueOn: string;
  readonly completed: boolean;
}

const badArgument = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * Loaders per request, made on first use. They keep nothing between batches
 * (as history's do), so a mutation's answer, or a subscription's next event,
 * reads the rule and completions as they are after the write.
 */
interface RecurrenceLoaders {
  readonly rules: DataLoader<number, StoredRecurrence | undefined>;
  readonly completions: Map<number, DataLoader<number, CompletionRecord[]>>;
  /** Each rule's upcoming dates from a due date, searched once per request (see MAX_SEARCHES). */
  readonly upcoming: Map<string, string[]>;
}

/**
 * Most searches for upcoming dates one request makes. A search runs on the
 * event loop, and a sparse rule's takes milliseconds (MAX_STEPS in rule.ts):
 * a page of todos asking through many aliases would otherwise hold the
 * instance for seconds. A page of 100 recurring todos, each with its own rule
 * and date, is within it; the same rule and date asked again is not searched again.
 */
export const MAX_SEARCHES = 100;
const loaders = new WeakMap<object, RecurrenceLoaders>();

function loadersOf(context: GraphQLContext): RecurrenceLoaders {
  let made = loaders.get(context);
  if (!made) {
    const rules = new DataLoader<number, StoredRecurrence | undefined>(
      async (ids) => {
        const found = await findRecurrences(context.db, ids);
        return ids.map((id) => found.get(id));
      },
      { cache: false },
    );
    made = { rules, completions: new Map(), upcoming: new Map() };
    loaders.set(context, made);
  }
  return made;
}

function completionsLoader(context: GraphQLContext, first: number) {
  const { completions } = loadersOf(context);
  let loader = completions.get(first);
  if (!loader) {
    loader = new DataLoader(
      async (ids) => {
        const pages = await findCompletions(context.db, ids, first);
        return ids.map((id) => pages.get(id) ?? []);
      },
      { cache: false },
    );
    completions.set(first, loader);
  }
  return loader;
}

export const recurrenceResolvers: Resolvers = {
  Todo: {
    // The todo was read through the caller's access, so its rule and completions are theirs to read.
    recurrence: async (todo, _args, context) => {
      const rule = await loadersOf(context).rules.load(todo.id);
      return rule ? { ...rule, dueOn: todo.dueOn, completed: todo.completed } : null;
    },
    completions: async (todo, { first }, context) => {
      const count = first;
      if (count < 0 || count > MAX_COMPLETIONS) throw badArgument(`"first" must be from 0 to ${MAX_COMPLETIONS}.`);
      return completionsLoader(context, count).load(todo.id);
    },
  },
  Recurrence: {
    summary: (recurrence) => summaryOf(recurrence),
    nextOccurrences: (recurrence, { first }, context) => {
      const count = first;
      if (count < 1 || count > MAX_NEXT_OCCURRENCES) {
        throw badArgument(`"first" must be from 1 to ${MAX_NEXT_OCCURRENCES}.`);
      }
      if (recurrence.completed) return [];
      const left = Math.min(count, recurrence.remaining ?? count);
      if (left <= 0) return [];
      const { upcoming } = loadersOf(context);
      const key = JSON.stringify([recurrence.rule, recurrence.timeZone, recurrence.dueOn]);
      let dates = upcoming.get(key);
      if (!dates) {
        if (upcoming.size >= MAX_SEARCHES) {
          throw limitError(
            `One request computes upcoming dates for at most ${MAX_SEARCHES} rules: ask for fewer todos' nextOccurrences.`,
            'MAX_RECURRENCE_SEARCHES',
          );
        }
        dates = occurrencesAfter(recurrence, recurrence.dueOn, MAX_NEXT_OCCURRENCES - 1);
        upcoming.set(key, dates);
      }
      return [recurrence.dueOn, ...dates.slice(0, left - 1)];
    },
  },
  TodoCompletion: {
    occurrence: (completion) => completion.occurrenceOn,
    completedBy: async (completion, _args, { loaders: batch }) =>
      (await batch.user.load(completion.completedBy)) ?? null,
  },
};
