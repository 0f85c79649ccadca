/**
 * graphql-request 7 as its documentation uses it: `new GraphQLClient(url)`,
 * the one-shot `request(url, document)`, and `batchRequests(url, documents)`,
 * which sends several operations as one POST whose body is a JSON array and
 * expects an array of results back, in the same order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRequests, GraphQLClient, request } from 'graphql-request';
import { FIRST_TODO, recordingFetch, useServer, walkThroughTutorial } from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { tutorial } from './helpers/tutorial.js';

/** The tutorial's fetchTodo once todo 1 is deleted, as the walkthrough leaves it. */
const TODO_1_GONE = { todo: { success: false, errors: ['Todo item matching id 1 not found'], todo: null } };
const TODO_2_LEFT = {
  todos: { success: true, errors: null, todos: [{ description: 'Go to the dentist', completed: false, id: '2' }] },
};

for (const target of databaseTargets) {
  describe(`graphql-request on ${target.name}`, { skip: target.skip }, () => {
    const fixture = useServer(target);

    it('runs the tutorial operations with GraphQLClient', async () => {
      const client = new GraphQLClient(fixture.server.graphqlUrl);
      await walkThroughTutorial((document) => client.request(document));
    });

    it('runs a tutorial query with request()', async () => {
      // After the walkthrough, todo 2 is the one left.
      assert.deepEqual(await request(fixture.server.graphqlUrl, tutorial.fetchAllTodos), TODO_2_LEFT);
    });

    it('sends two operations in one JSON array with batchRequests, and gets their results in order', async () => {
      const { graphqlUrl } = fixture.server;
      const results = await batchRequests(graphqlUrl, [
        { document: tutorial.fetchTodo },
        { document: tutorial.fetchAllTodos },
      ]);
      assert.deepEqual(
        results.map((result) => result.data),
        [TODO_1_GONE, TODO_2_LEFT],
      );

      // The same through a client whose fetch records the request: one POST, its body an array.
      const { fetch, requests } = recordingFetch();
      const client = new GraphQLClient(graphqlUrl, { fetch });
      const answers = await client.batchRequests([{ document: tutorial.fetchAllTodos }, { document: FIRST_TODO }]);
      assert.deepEqual(
        answers.map((answer) => answer.data),
        [TODO_2_LEFT, { createTodo: { success: true, errors: null, todo: { id: '3' } } }],
      );
      assert.equal(requests.length, 1);
      assert.equal(requests[0]?.method, 'POST');
      assert.ok(Array.isArray(requests[0].body) && requests[0].body.length === 2, JSON.stringify(requests[0].body));
      assert.equal(requests[0].status, 200);
    });
  });
}
