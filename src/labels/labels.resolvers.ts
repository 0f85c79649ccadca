/**
 * Labels: the caller's own (`Query.labels`, create, rename, recolour, delete),
 * the labels on a todo (`Todo.labels`, batched), and attaching and detaching
 * them in bulk. Failures a user can cause come back in the payload.
 */
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { publishTodo } from '../changes/publish.js';
import { parseGlobalIdOf, toGlobalId } from '../nodes/global-id.js';
import { bulkIds } from '../todos/todo-edits.resolvers.js';
import { authenticationRequired, notFound, type InputError } from '../todos/todo-input.js';
import { attachLabels, deleteLabel, detachLabels, type LabelEditResult } from './label-edits.repository.js';
import {
  checkLabelInput,
  DEFAULT_COLOR,
  labelIds,
  labelNotFound,
  MAX_LABELS_PER_TODO,
  MAX_LABELS_PER_USER,
  nameTaken,
} from './label-input.js';
import { createLabel, ownLabels, updateLabel, type LabelRefusal } from './labels.repository.js';

const refused = (errors: InputError[]) => ({ status: false, errors, label: null });

function labelRefusal(refusal: LabelRefusal, id: string, name: string | undefined): InputError {
  switch (refusal) {
    case 'NOT_FOUND':
      return labelNotFound('label', id);
    case 'NAME_TAKEN':
      return nameTaken(name ?? '');
    case 'TOO_MANY':
      return { message: `At most ${MAX_LABELS_PER_USER} labels per user.`, code: 'TOO_MANY', field: null };
  }
}

function editRefusal(result: Exclude<LabelEditResult, { ok: true }>): InputError[] {
  if ('tooMany' in result) {
    return [
      {
        message: `Todo ${result.tooMany} would carry more than ${MAX_LABELS_PER_TODO} labels.`,
        code: 'TOO_MANY',
        field: 'labels',
      },
    ];
  }
  return result.ids.map((id) =>
    result.missing === 'labels' ? labelNotFound('labels', toGlobalId('Label', id)) : notFound('todos', String(id)),
  );
}

type Edit = typeof attachLabels;

/** `labelTodos` and `unlabelTodos`: all the todos named, or none. */
async function bulkLabels(context: GraphQLContext, edit: Edit, todos: readonly string[], labels: readonly string[]) {
  const { owner, db } = context;
  if (owner === null) return { status: false, errors: [authenticationRequired], todos: [] };
  const todoIds = bulkIds(todos);
  const named = labelIds(labels);
  // One kind of error at a time: a payload holds at most MAX_BULK.
  const errors = todoIds.errors.length > 0 ? todoIds.errors : named.errors;
  if (errors.length === 0 && named.ids.length === 0) {
    errors.push({ message: 'Name at least one label.', code: 'REQUIRED', field: 'labels' });
  }
  if (errors.length > 0) return { status: false, errors, todos: [] };
  const result = await edit(db, owner, todoIds.ids, named.ids);
  if (!result.ok) return { status: false, errors: editRefusal(result), todos: [] };
  await publishTodo(context, 'UPDATED', result.todos);
  return { status: true, errors: [], todos: result.todos };
}

export const labelResolvers: Resolvers = {
  Query: {
    labels: (_root, _args, { owner, db }) => (owner === null ? [] : ownLabels(db, owner)),
  },

  Mutation: {
    createLabel: async (_root, { input }, context) => {
      const { owner, db } = context;
      if (owner === null) return refused([authenticationRequired]);
      const { fields, errors } = checkLabelInput(input, 'create');
      if (errors.length > 0 || fields.name === undefined) return refused(errors);
      const label = await createLabel(db, owner, { name: fields.name, color: fields.color ?? DEFAULT_COLOR });
      if (typeof label === 'string') return refused([labelRefusal(label, '', fields.name)]);
      await context.responseCache?.invalidate([owner]);
      return { status: true, errors: [], label };
    },

    updateLabel: async (_root, { label, input }, context) => {
      const { owner, db } = context;
      if (owner === null) return refused([authenticationRequired]);
      const id = parseGlobalIdOf('Label', label);
      if (id === null) return refused([labelNotFound('label', label)]);
      const { fields, errors } = checkLabelInput(input, 'update');
      if (errors.length === 0 && fields.name === undefined && fields.color === undefined) {
        errors.push({ message: 'Give a name or a colour to change.', code: 'REQUIRED', field: null });
      }
      if (errors.length > 0) return refused(errors);
      const result = await updateLabel(db, owner, id, fields);
      if (typeof result === 'string') return refused([labelRefusal(result, label, fields.name)]);
      await context.responseCache?.invalidate([owner]);
      // The todos read differently now, for everyone who reads them.
      await publishTodo(context, 'UPDATED', result.todos);
      return { status: true, errors: [], label: result.label };
    },

    deleteLabel: async (_root, { label }, context) => {
      const { owner, db } = context;
      const refuse = (error: InputError) => ({ status: false, errors: [error], deletedId: null });
      if (owner === null) return refuse(authenticationRequired);
      const id = parseGlobalIdOf('Label', label);
      const todos = id === null ? undefined : await deleteLabel(db, owner, id);
      if (todos === undefined) return refuse(labelNotFound('label', label));
      await context.responseCache?.invalidate([owner]);
      await publishTodo(context, 'UPDATED', todos);
      return { status: true, errors: [], deletedId: label };
    },

    labelTodos: (_root, { todos, labels }, context) => bulkLabels(context, attachLabels, todos, labels),
    unlabelTodos: (_root, { todos, labels }, context) => bulkLabels(context, detachLabels, todos, labels),
  },

  Label: {
    id: (label) => toGlobalId('Label', label.id),
    owner: async (label, _args, { loaders }) => (await loaders.user.load(label.ownerId)) ?? null,
  },

  Todo: {
    // The todo was read through the access rule: every label on it is the reader's to see.
    labels: (todo, _args, { loaders }) => loaders.todoLabels.load(todo.id),
  },
};
