// The coordinator's door for the test workers: a small HTTP server on 127.0.0.1 with a few
// routes (a model, its new address, its resources, and the answers kept for the judge). Vitest runs tests in worker processes, and this is the plainest way for them to ask
// the main process for a model and read its resource usage.
//
// Any local process can reach a port on 127.0.0.1, so every request must carry the run's
// secret as a bearer token (the global setup makes one per run and hands it to the workers
// through vitest's `provide`). A lease never holds an API key: workers read the key from
// their own configuration (src/runtimes/endpoint-key.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlAccess } from './control-client.ts';
import type { AnswerToJudge } from '../contract/case-meta.ts';
import type { ModelCoordinator } from './coordinator.ts';

/** An answer is a few kilobytes; this bounds what one request may make the main process hold. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        reject(new Error(`body larger than ${MAX_ANSWER_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A fresh secret for one run: 256 random bits. */
export function newControlSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of the request's bearer token with the secret. */
function authorized(request: IncomingMessage, secret: string): boolean {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (match?.[1] === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(secret));
}

export async function startControlServer(coordinator: ModelCoordinator, secret: string): Promise<ControlAccess & { close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const alias = url.searchParams.get('model');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (!authorized(request, secret)) {
      return reply(401, { error: "missing or wrong bearer token: only this run's test workers may ask" }, { 'www-authenticate': 'Bearer' });
    }
    if (url.pathname === '/answers') {
      if (request.method === 'GET') return reply(200, coordinator.recordedAnswers());
      if (request.method !== 'POST') return reply(405, { error: 'use GET or POST on /answers' });
      readBody(request).then(
        (text) => {
          coordinator.recordAnswer(JSON.parse(text) as AnswerToJudge);
          reply(200, { recorded: true });
        },
        (error: unknown) => reply(400, { error: (error as Error).message }),
      );
      return;
    }
    if (alias === null || alias === '') return reply(400, { error: 'missing ?model=' });
    if (request.method === 'POST' && url.pathname === '/acquire') {
      coordinator.acquire(alias, url.searchParams.get('role') === 'judge' ? 'judge' : 'candidate').then(
        (lease) => reply(200, lease),
        (error: unknown) => reply(500, { error: (error as Error).message }),
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === '/reconnect') {
      const from = url.searchParams.get('from');
      if (from === null) return reply(400, { error: 'missing ?from=<the base URL that refused>' });
      coordinator.reconnect(alias, from).then(
        (lease) => reply(200, lease),
        (error: unknown) => reply(500, { error: (error as Error).message }),
      );
      return;
    }
    if (request.method === 'GET' && url.pathname === '/resources') return reply(200, coordinator.resources(alias));
    reply(404, { error: `no route ${request.method} ${url.pathname}` });
  });
  // A model load can take many minutes (downloads, Foundry's first load): no server timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
