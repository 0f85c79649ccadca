/**
 * A span per HTTP request, continuing the caller's trace (W3C `traceparent`):
 * named by method and route, ended when the response closes, whatever ended it
 * (an event stream's too). A WebSocket upgrade makes no span of its own: its
 * operations, each a span, continue the trace the upgrade request named.
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Tracing } from '../tracing/tracing.js';

function tracingPlugin(app: FastifyInstance, options: { tracing: Tracing }, registered: (error?: Error) => void): void {
  const { tracing } = options;
  app.addHook('onRequest', (request, reply, done) => {
    const parent = Tracing.extract(request.headers);
    const { state } = request;
    // Before @fastify/websocket has marked it (`request.ws`): the upgrade header says so.
    if (request.headers.upgrade?.toLowerCase() === 'websocket') {
      state.traceContext = parent;
      done();
      return;
    }
    const route = request.routeOptions.url;
    const path = request.url.split('?', 1)[0] ?? '/';
    const span = tracing.startRequest(route === undefined ? request.method : `${request.method} ${route}`, parent, {
      'http.request.method': request.method,
      'url.path': path,
      ...(route === undefined ? {} : { 'http.route': route }),
    });
    state.traceContext = trace.setSpan(parent, span);
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // What runs from here on (the gate's statements among it) is a child of the request.
    context.with(state.traceContext, done);
  });
  registered();
}

export default fp(tracingPlugin, { name: 'tracing', dependencies: ['request-state'] });
