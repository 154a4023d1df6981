/**
 * The browser tests ignore only the Agents Playground page's failed loads from the internet
 * (test/support/page-noise.ts). These examples keep that rule from swallowing an error of ours.
 */
import { describe, expect, it } from 'vitest';
import { isLocalUrl, isPlaygroundNoise, type PageErrorEntry } from '../support/page-noise.js';

const PLAYGROUND = 'http://localhost:41234/';
const BUNDLE = 'http://localhost:41234/static/js/main.5ec6852d.js';
const TAB = 'http://127.0.0.1:3978/tab/';
const WORKLET = 'Failed to load worklet module script: https://res-1.cdn.office.net/files/fabric-cdn-prod_20240228.001/assets/animations/flair/flair.min.js (Network error)';
const FONT = 'https://res-1.cdn.office.net/files/fabric-cdn-prod_20221209.001/assets/fonts/segoeui-westeuropean/segoeui-regular.woff2';

const onPlayground = (e: Omit<PageErrorEntry, 'from' | 'pageUrl'>): PageErrorEntry => ({ ...e, from: 'playground', pageUrl: PLAYGROUND });
const onOurs = (e: Omit<PageErrorEntry, 'from' | 'pageUrl'>): PageErrorEntry => ({ ...e, from: 'ours', pageUrl: TAB });

describe('the Playground page failing to load from the internet is noise', () => {
  it.each<[string, PageErrorEntry]>([
    ['the CDN paint worklet, logged by the page', onPlayground({ kind: 'console', text: WORKLET, url: BUNDLE })],
    ['the CDN paint worklet, logged without a location', onPlayground({ kind: 'console', text: WORKLET })],
    ['the CDN paint worklet, as an uncaught rejection', onPlayground({ kind: 'pageerror', text: `AbortError: ${WORKLET}` })],
    ['the CDN paint worklet, as an uncaught error with a stack in our machine', onPlayground({ kind: 'pageerror', text: `Error: ${WORKLET}\n    at Xst (${BUNDLE}:2:123)` })],
    ['a CDN font the test blocked', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_BLOCKED_BY_CLIENT.Inspector', url: FONT })],
    ['a CDN font without DNS', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_NAME_NOT_RESOLVED', url: FONT })],
    ['a CDN font without internet', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_INTERNET_DISCONNECTED', url: FONT })],
    ['a script from the CDN', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_FAILED', url: 'https://res.cdn.office.net/teams-js/2.0.0/js/MicrosoftTeams.min.js' })],
    ['a fetch naming the CDN URL', onPlayground({ kind: 'pageerror', text: `TypeError: Failed to fetch https://res-1.cdn.office.net/x.json.\n    at ${BUNDLE}:1:1` })],
    ["the browser's own favicon request, 404 from the Playground's server", onPlayground({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 404 (Not Found)', url: 'http://localhost:41234/favicon.ico' })],
  ])('%s', (_, entry) => {
    expect(isPlaygroundNoise(entry)).toBe(true);
  });
});

describe('everything else is an error', () => {
  it.each<[string, PageErrorEntry]>([
    // The same messages on our pages (the tab, the hunting popup, the stand-in Teams host) count.
    ['the worklet message on our page', onOurs({ kind: 'console', text: WORKLET, url: TAB })],
    ['the worklet message as an uncaught error on our page', onOurs({ kind: 'pageerror', text: `AbortError: ${WORKLET}` })],
    ['a blocked CDN request from our page', onOurs({ kind: 'console', text: 'Failed to load resource: net::ERR_BLOCKED_BY_CLIENT.Inspector', url: 'https://res.cdn.office.net/teams-js/validDomains/json/validDomains.json' })],
    ['a favicon 404 on our page', onOurs({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 404 (Not Found)', url: 'http://127.0.0.1:3978/favicon.ico' })],
    ['our API failing on our page', onOurs({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 500 (Internal Server Error)', url: 'http://127.0.0.1:3978/api/tab/incidents' })],
    ['an uncaught exception in the tab', onOurs({ kind: 'pageerror', text: `TypeError: Cannot read properties of undefined (reading 'id')\n    at render (${TAB}app.js:10:5)` })],
    // On the Playground page: anything local, or not about loading, or not naming a remote URL.
    ['the bot not answering the Playground', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_CONNECTION_REFUSED', url: 'http://127.0.0.1:3978/api/messages' })],
    ["the Playground's connector failing", onPlayground({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 500 (Internal Server Error)', url: 'http://localhost:41234/_connector/v3/conversations/a/activities' })],
    ["the Playground's own server 404 on something else", onPlayground({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 404 (Not Found)', url: 'http://localhost:41234/static/js/chunk.js' })],
    ['a card image from our bot on this machine', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_CONNECTION_RESET', url: 'http://localhost:3978/cards/logo.png' })],
    ['a favicon of another local server', onPlayground({ kind: 'console', text: 'Failed to load resource: the server responded with a status of 404 (Not Found)', url: 'http://127.0.0.1:3978/favicon.ico' })],
    ['an uncaught exception in the Playground', onPlayground({ kind: 'pageerror', text: `TypeError: Cannot read properties of undefined (reading 'body')\n    at ${BUNDLE}:2:99` })],
    ['an uncaught exception whose stack runs in CDN code', onPlayground({ kind: 'pageerror', text: "TypeError: Cannot read properties of undefined (reading 'attachments')\n    at https://res-1.cdn.office.net/x.js:1:2" })],
    ['a failed load that names no URL', onPlayground({ kind: 'pageerror', text: "AbortError: Unable to load a worklet's module." })],
    ['a failed load of a card', onPlayground({ kind: 'console', text: 'Failed to load the card', url: BUNDLE })],
    ['a network error logged with a local location', onPlayground({ kind: 'console', text: 'Network error', url: BUNDLE })],
    ['a failed load naming a local and a remote URL', onPlayground({ kind: 'console', text: `Failed to fetch http://127.0.0.1:3978/api/messages (proxy https://res-1.cdn.office.net/x)`, url: BUNDLE })],
    ['a failed load of a local URL, with a stack from the CDN', onPlayground({ kind: 'pageerror', text: 'Error: Failed to load http://localhost:41234/_conversation\n    at https://res-1.cdn.office.net/x.js:1:2' })],
    ['a message that merely mentions the CDN', onPlayground({ kind: 'console', text: `Warning: Each child in a list should have a unique "key" prop. See ${FONT}`, url: BUNDLE })],
    ['a data: URL failing to load', onPlayground({ kind: 'console', text: 'Failed to load resource: net::ERR_INVALID_URL', url: 'data:image/png;base64,xx' })],
  ])('%s', (_, entry) => {
    expect(isPlaygroundNoise(entry)).toBe(false);
  });
});

describe('isLocalUrl', () => {
  it('knows this machine from the internet', () => {
    expect(['http://localhost:41234/x', 'http://127.0.0.1:3978/tab/', 'http://[::1]:80/', 'data:text/plain,x', 'blob:http://localhost/1'].every(isLocalUrl)).toBe(true);
    expect(['https://res-1.cdn.office.net/x.js', 'https://localhost.example.com/', 'http://127.0.0.2.nip.io/', 'wss://example.com/'].some(isLocalUrl)).toBe(false);
  });
});
