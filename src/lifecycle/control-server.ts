// The coordinator's door for the test workers: a small HTTP server on 127.0.0.1 with three
// routes. Vitest runs tests in worker processes, and this is the plainest way for them to ask
// the main process for a model and read its resource usage.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelCoordinator } from './coordinator.ts';

export async function startControlServer(coordinator: ModelCoordinator): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const alias = url.searchParams.get('model');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (alias === null || alias === '') return reply(400, { error: 'missing ?model=' });
    if (request.method === 'POST' && url.pathname === '/acquire') {
      coordinator.acquire(alias).then(
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
