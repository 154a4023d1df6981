/**
 * Which page errors the browser tests may ignore: the one place that decides it.
 *
 * Why: the Agents Playground's web client (not our code) loads Segoe UI fonts, a CSS paint
 * worklet (flair.min.js) and more from Microsoft's CDN. The tests abort every request that would
 * leave the machine, and a machine without internet could not answer them anyway, so the
 * Playground page logs errors such as "Failed to load resource: net::ERR_BLOCKED_BY_CLIENT" (for
 * a font) or "Failed to load worklet module script: https://res-1.cdn.office.net/…/flair.min.js
 * (Network error)". When and whether they appear depends on timing, so counting them made the
 * browser tests fail now and then.
 *
 * The rule is narrow on purpose, so it cannot hide an error of ours:
 * - only on the Playground's own page (opened by `openPlayground`): on our pages (the tab, the
 *   hunting popup, the stand-in Teams host) every error counts, remote or not;
 * - only messages about loading something (failed to load / fetch, network error, net::ERR_…);
 * - only when every URL the message names is on another machine (not localhost / 127.0.0.1 /
 *   [::1]), and it names at least one. A console message that names no URL in its text is judged
 *   by its location, which is where Chromium puts the resource of "Failed to load resource: …".
 *   For uncaught exceptions only the message counts, not the stack (the stack says where the
 *   code ran, not what failed to load).
 * Errors from our origin (the bot, the tab), uncaught exceptions that are not about a remote
 * load, and anything else stay errors.
 *
 * One more: headless Chromium asks the Playground's server for /favicon.ico by itself and the
 * Playground answers 404. That request is the browser's, to the Playground's own server, about
 * the Playground's page; nothing of ours is involved.
 */

export interface PageErrorEntry {
  kind: 'console' | 'pageerror';
  /** The console message, or the uncaught error's stack (message first). */
  text: string;
  /** Console messages: where Chromium says the message comes from (a failed load: the resource's URL). */
  url?: string;
  /** Whose page it happened on: the Playground's web client, or one of ours (tab, popup, Teams stand-in). */
  from: 'playground' | 'ours';
  /** The page's address when it happened. */
  pageUrl?: string;
}

/** Addresses on this machine (and data:/blob:/about: URLs, which are not fetched from anywhere). */
export function isLocalUrl(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
  } catch {
    return true;
  }
}

/** A message about loading something that did not arrive. */
const LOAD_FAILURE = /\bfailed to (load|fetch)\b|\bunable to load\b|\bnetwork ?error\b|\bnet::ERR_[A-Z_]+/i;

/** http(s)/ws(s) URLs named in a text; trailing punctuation is not part of them. */
function urlsIn(text: string): string[] {
  return [...text.matchAll(/\b(?:https?|wss?):\/\/[^\s"'`<>()]+/gi)].map((m) => m[0].replace(/[.,;:!?\]]+$/, ''));
}

/** The message of an uncaught error's stack, without the "    at …" frames. */
function messageOnly(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s+at\s/.test(line))
    .join('\n');
}

/** True when `entry` is the Playground page failing to load something from the internet (see above). */
export function isPlaygroundNoise(entry: PageErrorEntry): boolean {
  if (entry.from !== 'playground') return false;
  if (isPlaygroundFavicon(entry)) return true;
  const message = entry.kind === 'pageerror' ? messageOnly(entry.text) : entry.text;
  if (!LOAD_FAILURE.test(message)) return false;
  let urls = urlsIn(message);
  if (urls.length === 0 && entry.kind === 'console' && entry.url) urls = [entry.url];
  return urls.length > 0 && urls.every((u) => !isLocalUrl(u));
}

function isPlaygroundFavicon(entry: PageErrorEntry): boolean {
  if (entry.kind !== 'console' || !entry.url || !entry.pageUrl) return false;
  if (!/^Failed to load resource: the server responded with a status of 404\b/.test(entry.text)) return false;
  try {
    return entry.url === new URL('/favicon.ico', entry.pageUrl).href;
  } catch {
    return false;
  }
}
