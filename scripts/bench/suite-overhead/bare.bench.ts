// The floor plus one request per test with a bare node:http client (keep-alive, body read to its
// end): what the server and the loopback cost, the part of a test that is not edge-evals'.
import http from 'node:http';
import { defineVariant, timed } from './variant.ts';

const agent = new http.Agent({ keepAlive: true });

function post(url: URL, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', resolve);
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

defineVariant(async ({ lease }) => {
  const url = new URL(`${lease.model.baseURL}/chat/completions`);
  const body = JSON.stringify({ model: lease.model.modelId, messages: [{ role: 'user', content: 'hello' }], stream: true, max_tokens: 256 });
  await timed('bare request', () => post(url, body));
});
