// The HTTP API client, shared by the CLI and the GitHub Action. Errors come back as CaxtonErrors
// rebuilt from the server's body, so every surface renders them the same way.
import { CaxtonError, ERRORS, isErrorBody, type ErrorCode } from '../server/errors.js';

export class ApiClient {
  constructor(readonly baseUrl: string, readonly token: string | null, private readonly timeoutMs = 120_000) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    // relative to the base, so a server published under a path (https://host/caxton/) keeps it
    const base = new URL(this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    if (base.username || base.password) {
      throw new CaxtonError('CAX_USAGE', { detail: 'the server URL holds a user name or password, which HTTP requests cannot carry', hint: 'Give the URL without them, and the API token as --token, CAXTON_TOKEN or the Action\'s token input.' });
    }
    const url = new URL(path.replace(/^\/+/, ''), base).toString();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new CaxtonError('CAX_SERVER_UNREACHABLE', { url: this.baseUrl }, { cause: err });
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (res.ok && (json !== null || !text)) return json as T;
    throw remoteError(res.status, json, text, { url: this.baseUrl, type: res.headers.get('content-type') });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

/** A CaxtonError with the server's code, message and suggestions. */
export class RemoteError extends CaxtonError {
  constructor(readonly httpStatus: number, readonly body: { code: string; message: string; suggestions: string[]; [k: string]: unknown }) {
    const known = (body.code in ERRORS ? body.code : 'CAX_INTERNAL') as ErrorCode;
    super(known, { detail: body.message }, { details: body });
    Object.defineProperty(this, 'message', { value: body.message });
    Object.defineProperty(this, 'suggestions', { value: body.suggestions ?? [] });
    Object.defineProperty(this, 'code', { value: body.code });
  }
}

function remoteError(status: number, json: unknown, text: string, from: { url: string; type: string | null }): CaxtonError {
  if (isErrorBody(json)) {
    const e = json.error;
    return new RemoteError(status, { ...e, suggestions: Array.isArray(e.suggestions) ? e.suggestions : [] });
  }
  // not Caxton's answer: a proxy's error page, another service on that address
  const snippet = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120);
  return new CaxtonError('CAX_UNEXPECTED_RESPONSE', { url: from.url, status, type: (from.type ?? 'no content type').split(';')[0], snippet }, { details: { httpStatus: status } });
}
