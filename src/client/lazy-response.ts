// The Response that httpFetch resolves with: its WHATWG parts (undici's Response and Headers,
// the web stream of the body) are made only when something reads them. For a streamed chat
// completion the openai SDK reads the status and a header or two, and the chat client takes the
// body as the Node stream underneath (http-fetch.ts, takeNodeBody): making undici's Response and
// Headers for every request was about 0.1 ms of the suite's own cost a test (BENCHMARKS.md,
// "The suite's own cost a test"). Reading the body (text(), json(), ...) or cloning goes to a
// real Response, made on first use over the same body.

/** A response's headers as fetch gives them: names in lower case, sorted, read-only. */
export class ResponseHeaders implements Headers {
  /** Name (lower case) to values, in the order the server sent them. */
  private readonly byName: Map<string, string[]>;

  constructor(pairs: Iterable<readonly [string, string]>) {
    this.byName = new Map();
    for (const [name, value] of pairs) {
      const key = name.toLowerCase();
      const known = this.byName.get(key);
      if (known === undefined) this.byName.set(key, [value]);
      else known.push(value);
    }
  }

  get(name: string): string | null {
    return this.byName.get(name.toLowerCase())?.join(', ') ?? null;
  }

  getSetCookie(): string[] {
    return [...(this.byName.get('set-cookie') ?? [])];
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  append(_name: string, _value: string): void {
    throw new TypeError('Headers of a response are immutable');
  }

  delete(_name: string): void {
    throw new TypeError('Headers of a response are immutable');
  }

  set(_name: string, _value: string): void {
    throw new TypeError('Headers of a response are immutable');
  }

  /** As fetch's: sorted by name, one entry a name except set-cookie, one a cookie. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.byName.keys()].sort()) {
      const values = this.byName.get(name) ?? [];
      if (name === 'set-cookie') for (const value of values) yield [name, value];
      else yield [name, values.join(', ')];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

export interface LazyResponseInit {
  status: number;
  statusText: string;
  url: string;
  headers: Iterable<readonly [string, string]>;
  /** Makes the body's web stream; null for a response without a body. Called once at most. */
  body: (() => ReadableStream<Uint8Array>) | null;
}

export class LazyResponse implements Response {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: ResponseHeaders;
  readonly redirected = false;
  readonly type: Response['type'] = 'basic';
  private readonly makeBody: LazyResponseInit['body'];
  private stream: ReadableStream<Uint8Array> | null | undefined;
  private real: Response | undefined;

  constructor(init: LazyResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.url = init.url;
    this.headers = new ResponseHeaders(init.headers);
    this.makeBody = init.body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === undefined) this.stream = this.makeBody === null ? null : this.makeBody();
    return this.stream;
  }

  get bodyUsed(): boolean {
    return this.real?.bodyUsed ?? this.stream?.locked ?? false;
  }

  /** The same response as undici's, over the same body, for whatever reads the body. */
  private toReal(): Response {
    this.real ??= new Response(this.body, { status: this.status, statusText: this.statusText, headers: [...this.headers] });
    return this.real;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.toReal().arrayBuffer();
  }

  blob(): Promise<Blob> {
    return this.toReal().blob();
  }

  formData(): Promise<FormData> {
    return this.toReal().formData();
  }

  json(): Promise<unknown> {
    return this.toReal().json();
  }

  text(): Promise<string> {
    return this.toReal().text();
  }

  clone(): Response {
    return this.toReal().clone();
  }
}
