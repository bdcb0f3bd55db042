// What an eval test (in a vitest worker) uses to reach the coordinator in the main process.
// node:http rather than fetch: fetch gives up on a response after 5 minutes of waiting for
// headers, and a model load may legitimately take longer.
import { request } from 'node:http';
import type { AnswerToJudge } from '../contract/case-meta.ts';
import type { Resources } from '../contract/results.ts';
import type { ModelLease, ModelRole } from './coordinator.ts';
import { RESOURCE_SAMPLE_INTERVAL_MS } from './resources.ts';

/** Where the control server listens, and the run's secret every request must carry. */
export interface ControlAccess {
  url: string;
  secret: string;
}

function call<T>(method: 'GET' | 'POST', control: ControlAccess, route: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${control.secret}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const outgoing = request(`${control.url}${route}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) return reject(new Error(`coordinator: HTTP ${response.statusCode}: ${text}`));
        resolve(JSON.parse(text) as T);
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export function acquireModel(control: ControlAccess, alias: string, role: ModelRole = 'candidate'): Promise<ModelLease> {
  return call('POST', control, `/acquire?model=${encodeURIComponent(alias)}${role === 'judge' ? '&role=judge' : ''}`);
}

/** Keep a candidate's answer in the main process until the judge phase asks for it. */
export async function recordAnswer(control: ControlAccess, answer: AnswerToJudge): Promise<void> {
  await call('POST', control, '/answers', answer);
}

/** The answers the candidates gave in this run, in order. */
export function recordedAnswers(control: ControlAccess): Promise<AnswerToJudge[]> {
  return call('GET', control, '/answers');
}

export function modelResources(control: ControlAccess, alias: string): Promise<Resources | null> {
  return call('GET', control, `/resources?model=${encodeURIComponent(alias)}`);
}

const recent = new Map<string, { atMs: number; resources: Resources | null }>();

/**
 * The model's usage as the coordinator's sampler last saw it. The sampler takes one sample per
 * RESOURCE_SAMPLE_INTERVAL_MS, so asking more often would only return the same figures: tests
 * that follow each other within an interval share one answer, and a fast test does not pay a
 * round trip to the main process (about as much as a request to a fast model server).
 */
export async function recentResources(control: ControlAccess, alias: string): Promise<Resources | null> {
  const key = `${control.url} ${alias}`;
  const known = recent.get(key);
  if (known !== undefined && performance.now() - known.atMs < RESOURCE_SAMPLE_INTERVAL_MS) return known.resources;
  const resources = await modelResources(control, alias);
  recent.set(key, { atMs: performance.now(), resources });
  return resources;
}

/** The model's lease at its new address after `from` refused a connection; null when it is gone. */
export function reconnectModel(control: ControlAccess, alias: string, from: string): Promise<ModelLease | null> {
  return call('POST', control, `/reconnect?model=${encodeURIComponent(alias)}&from=${encodeURIComponent(from)}`);
}
