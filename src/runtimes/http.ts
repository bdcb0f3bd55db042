// The few HTTP calls the runtime adapters make to manage models (list, load, unload, health),
// with a timeout on every call and errors that name the URL. The chat requests themselves go
// through src/client, not here.
import { RuntimeError } from '../contract/runtime.ts';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One request; resolves with any HTTP status (the caller decides what a 404 means) and
 * rejects only when no answer came: connection refused, timeout, abort.
 */
export async function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]),
  });
  return { status: response.status, text: await response.text() };
}

/** The message of an OpenAI-style error body (`{"error":{"message":...}}`), else the text itself. */
export function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: Foundry Gen A answers some errors in plain text
  }
  return text.trim().slice(0, 500);
}

/** Parse a JSON body, or fail with a RuntimeError that says where it came from. */
export function jsonBody(answer: HttpAnswer, where: string): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new RuntimeError(`${where} answered HTTP ${answer.status} with a body that is not JSON.`, { output: answer.text.slice(0, 2_000) });
  }
}

export interface ListedModel {
  id: string;
  /** `owned_by`: edge-evals' own server says `edge-evals`. */
  ownedBy: string | null;
}

/** The models of an OpenAI-compatible `GET /v1/models` (`{"data":[{"id":...}]}`). */
export async function listModels(baseURL: string, apiKey: string | undefined, timeoutMs = 30_000): Promise<ListedModel[]> {
  const url = `${baseURL.replace(/\/+$/, '')}/models`;
  const headers: Record<string, string> = apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
  let answer: HttpAnswer;
  try {
    answer = await httpRequest(url, { headers, timeoutMs });
  } catch (error) {
    throw new RuntimeError(`No answer from ${url}: ${(error as Error).message}`, { hint: 'is the server running, and is the base URL right (it usually ends in /v1)?' });
  }
  if (answer.status === 401 || answer.status === 403) {
    throw new RuntimeError(`${url} refused the API key (HTTP ${answer.status}).`, { hint: 'set EVAL_API_KEY' });
  }
  if (answer.status !== 200) throw new RuntimeError(`GET ${url} failed with HTTP ${answer.status}: ${errorMessage(answer.text)}`);
  const body = jsonBody(answer, url) as { data?: unknown };
  if (!Array.isArray(body.data)) throw new RuntimeError(`GET ${url} did not return an OpenAI model list ({"data":[...]}).`, { output: answer.text.slice(0, 2_000) });
  return body.data.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { id, owned_by: ownedBy } = item as { id?: unknown; owned_by?: unknown };
    return typeof id === 'string' ? [{ id, ownedBy: typeof ownedBy === 'string' ? ownedBy : null }] : [];
  });
}
