/** The tab API client: JSON over fetch, the SSO token when in Teams, errors in words. */
import type { Host } from './host.js';

/** The tab's own error, in the browser: this bundle runs apart from the bot and does not load src/errors.ts. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  user: { name: string; upn: string | null };
  may: { read: boolean; act: boolean; hunt: boolean };
  filters: { severity: { value: string; title: string }[]; status: { value: string; title: string }[]; sort: { value: QueueOrder; title: string }[] };
}

// The server's own types: erased from the bundle, so the browser code cannot drift from the API.
export type { Queue, QueueItem, QueueOrder } from '../../triage/queue.js';
import type { Queue, QueueItem, QueueOrder } from '../../triage/queue.js';

export type CardJson = Record<string, unknown>;

export interface HuntView {
  queryName: string;
  description: string;
  parameters: Record<string, unknown>;
  timespan: string;
  ranAt: string;
  kql: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  total: number;
  truncated: boolean;
}

export class TabApi {
  constructor(private readonly host: Host) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let token: string | null;
    try {
      token = await this.host.token();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ApiError(401, 'SignInFailed', `Teams could not sign you in to this tab (${reason.slice(0, 120)}). Ask your Teams admin to check the app's single sign-on set-up.`);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'Offline', 'The bot did not answer. Check your connection and try again.');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(response.status, 'BadAnswer', `The bot answered ${response.status} with something that is not JSON.`);
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      throw new ApiError(response.status, error?.code ?? 'Error', error?.message ?? `The bot answered ${response.status}.`);
    }
    return json as T;
  }

  session = () => this.call<Session>('GET', '/api/tab/session');
  queue = (query: URLSearchParams) => this.call<Queue>('GET', `/api/tab/incidents?${query.toString()}`);
  incident = (id: string) => this.call<{ incident: QueueItem; card: CardJson }>('GET', `/api/tab/incidents/${encodeURIComponent(id)}`);
  /** A card that replaces the clicked one, or a message that leaves it as it is. */
  action = (verb: string, data: unknown) => this.call<{ card: CardJson } | { message: string }>('POST', '/api/tab/actions', { verb, data });
  hunt = (id: string) => this.call<HuntView>('GET', `/api/tab/hunts/${encodeURIComponent(id)}`);
}
