import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than the limit of ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads the request body as UTF-8 text, refusing it as soon as it passes `limit`
 * bytes, so an oversized body never sits whole in memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (received > limit) return;
      received += chunk.length;
      if (received > limit) reject(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    });
    req.once('end', () => {
      if (received <= limit) resolve(Buffer.concat(chunks, received).toString('utf8'));
    });
    req.once('error', reject);
  });
}
