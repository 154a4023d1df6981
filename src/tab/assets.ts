/**
 * The tab's static files: the browser code (src/tab/client, bundled with esbuild: teams-js and
 * the Adaptive Cards renderer included), its style sheet, and one HTML page per view. Built once
 * per process, on first request, into memory; served with a content hash as ETag and a content
 * security policy that lets only Teams (and, in demo mode, this machine) frame the pages.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { build } from 'esbuild';
import { createLogger } from '../logger.js';

const log = createLogger('tab');
const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

/** The pages: the queue (the tab itself), and an incident's card and the full hunting result (each opened as a Teams dialog). */
type PageKind = 'queue' | 'hunt' | 'incident';
const PAGES: Record<string, { page: PageKind; title: string }> = {
  '/tab/': { page: 'queue', title: 'Insider risk queue' },
  '/tab/index.html': { page: 'queue', title: 'Insider risk queue' },
  '/tab/hunt.html': { page: 'hunt', title: 'Hunting result' },
  '/tab/incident.html': { page: 'incident', title: 'Insider risk incident' },
};

function page(kind: PageKind, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/tab/tab.css">
</head>
<body data-page="${kind}" data-theme="default">
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script src="/tab/tab.js"></script>
</body>
</html>
`;
}

const asset = (type: string, body: Buffer | string): Asset => {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { type, body: buffer, etag: `"${createHash('sha256').update(buffer).digest('base64url').slice(0, 22)}"` };
};

let built: Promise<Map<string, Asset>> | undefined;

/** Bundles the browser code (once per process: `npm start` at start-up, tests on first request). A failed build stays failed: it is a defect, not a passing fault. */
export function tabAssets(): Promise<Map<string, Asset>> {
  built ??= (async () => {
    const started = Date.now();
    const result = await build({
      entryPoints: [`${CLIENT_DIR}main.ts`],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['chrome100', 'edge100', 'safari15', 'firefox100'],
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const assets = new Map<string, Asset>();
    assets.set('/tab/tab.js', asset('text/javascript; charset=utf-8', Buffer.from(result.outputFiles[0]!.contents)));
    assets.set('/tab/tab.css', asset('text/css; charset=utf-8', await readFile(`${CLIENT_DIR}tab.css`)));
    for (const [path, { page: kind, title }] of Object.entries(PAGES)) assets.set(path, asset('text/html; charset=utf-8', page(kind, title)));
    for (const [path, { title, paragraphs }] of Object.entries(TEXT_PAGES)) assets.set(path, asset('text/html; charset=utf-8', textPage(title, paragraphs)));
    log.info('tab built', { ms: Date.now() - started, bytes: result.outputFiles[0]!.contents.length });
    return assets;
  })();
  return built;
}

/** The manifest's privacy and terms links: short, plain pages about what this bot keeps and does. */
const TEXT_PAGES: Record<string, { title: string; paragraphs: string[] }> = {
  '/privacy': {
    title: 'Privacy: IRM Triage',
    paragraphs: [
      'This bot reads Microsoft Defender XDR incidents and alerts from Insider Risk Management through Microsoft Graph, with the permissions its administrators granted, and writes back the decisions analysts take from Teams.',
      'It keeps, in its own store: the Teams conversations it was installed in, which incidents it posted where, the decisions taken from Teams (who, what, when), an audit trail of every command and button, and the on-call rotation. Hunting results are kept in memory for a few minutes only.',
      'People at risk are named by pseudonym in channels and group chats; analysts with an Insider Risk Management role see names in their own view, and every reveal is audited.',
      'Nothing is sent anywhere but Microsoft Graph and Microsoft Teams. Your organisation operates this bot; ask its administrators about retention of the store and the audit trail.',
    ],
  },
  '/terms': {
    title: 'Terms of use: IRM Triage',
    paragraphs: [
      'This app is operated by your organisation for its security operations centre. Use it only for the insider-risk investigations your role permits; every action is audited.',
      'Decisions taken here are written to Microsoft Defender XDR and reach Microsoft Purview Insider Risk Management as they would from the Defender portal.',
    ],
  },
};

function textPage(title: string, paragraphs: string[]): string {
  const escape = (t: string) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/tab/tab.css"></head>\n<body data-theme="default"><main><h1>${escape(title)}</h1>${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('')}</main></body></html>\n`;
}

/** Teams' hosts that may frame the tab (Teams, Outlook and the Microsoft 365 app). */
const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.teams.microsoft.us',
  'https://local.teams.office.com',
  'https://*.office.com',
  'https://*.microsoft365.com',
  'https://*.cloud.microsoft',
  'https://*.skype.com',
];

export function contentSecurityPolicy(demo: boolean): string {
  const ancestors = ["'self'", ...TEAMS_FRAME_ANCESTORS, ...(demo ? ['http://localhost:*', 'http://127.0.0.1:*'] : [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    // The Adaptive Cards renderer sets element styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    // teams-js reads the list of Teams' own domains from Microsoft's CDN when it starts in Teams.
    "connect-src 'self' https://res.cdn.office.net",
    "form-action 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors.join(' ')}`,
  ].join('; ');
}

/** Serves a tab file; false if the path is not one. */
export async function serveTabAsset(req: IncomingMessage, res: ServerResponse, path: string, demo: boolean): Promise<boolean> {
  if (path === '/tab') {
    res.writeHead(308, { location: '/tab/' }).end();
    return true;
  }
  if (!path.startsWith('/tab/') && !(path in TEXT_PAGES)) return false;
  let assets: Map<string, Asset>;
  try {
    assets = await tabAssets();
  } catch (err) {
    log.error('the tab could not be built', { err });
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'Unavailable', message: 'The tab could not be built: the details are in the bot log.' } }));
    return true;
  }
  const found = assets.get(path);
  if (!found) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'MethodNotAllowed', message: 'Use GET.' } }));
    return true;
  }
  const headers: Record<string, string> = {
    'content-type': found.type,
    etag: found.etag,
    'cache-control': found.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': contentSecurityPolicy(demo),
  };
  if (req.headers['if-none-match'] === found.etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': String(found.body.length) });
  res.end(req.method === 'HEAD' ? undefined : found.body);
  return true;
}
