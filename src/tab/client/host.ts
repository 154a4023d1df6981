/**
 * Where the tab runs. In Teams (an iframe, or a mobile web view): teams-js is initialised, the
 * theme and the user come from the context, and each API call carries a single sign-on token
 * from `authentication.getAuthToken()`. In a plain browser: it says so; the demo bot accepts the
 * demo user, a production bot asks the person to open the tab in Teams.
 */

export type Theme = 'default' | 'dark' | 'contrast';

export interface Host {
  inTeams: boolean;
  /** The theme now (Teams' or the browser's); it follows changes. */
  readonly theme: Theme;
  /** The Teams user's name, when in Teams. */
  userName: string | null;
  /** A token for the tab API (null outside Teams). */
  token(): Promise<string | null>;
  /** Called after every theme change, in the order added (teams-js itself keeps only one handler: this is it). */
  onThemeChange(listener: (theme: Theme) => void): void;
  /** Opens a link from a card: https only (and this machine's http in demo mode); anything else is ignored. */
  openLink(url: string): void;
  /**
   * Opens a page of this tab as a Teams dialog and calls `closed` when it closes; false where
   * there is no Teams dialog (outside Teams, or a client without one): the page draws its own.
   */
  openDialog(page: { url: string; title: string }, closed: () => void): boolean;
}

const INIT_TIMEOUT_MS = 5000;

function looksFramed(): boolean {
  try {
    return window.parent !== window || 'nativeInterface' in window;
  } catch {
    return true; // a cross-origin parent
  }
}

function asTheme(value: string | undefined | null): Theme {
  return value === 'dark' || value === 'contrast' ? value : 'default';
}

function browserTheme(): Theme {
  const asked = new URLSearchParams(location.search).get('theme');
  if (asked) return asTheme(asked);
  if (window.matchMedia?.('(forced-colors: active)').matches) return 'contrast';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}

/** Links cards may open: https anywhere; http only to this machine (the demo's own pages). */
export function isOpenableLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

/** One theme, many listeners. */
class ThemeSource {
  private readonly listeners: ((theme: Theme) => void)[] = [];
  constructor(public current: Theme) {}
  add(listener: (theme: Theme) => void): void {
    this.listeners.push(listener);
  }
  set(theme: Theme): void {
    if (theme === this.current) return;
    this.current = theme;
    for (const listener of this.listeners) listener(theme);
  }
}

function outsideTeams(): Host {
  const theme = new ThemeSource(browserTheme());
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => theme.set(browserTheme()));
  return {
    inTeams: false,
    get theme() {
      return theme.current;
    },
    userName: null,
    token: async () => null,
    onThemeChange: (listener) => theme.add(listener),
    openLink(url) {
      if (isOpenableLink(url)) window.open(url, '_blank', 'noopener');
    },
    openDialog: () => false,
  };
}

export async function connectHost(): Promise<Host> {
  if (!looksFramed()) return outsideTeams();
  // Loaded only in a frame, so a plain browser never starts teams-js.
  const { app, authentication, dialog, DialogDimension } = await import('./teams-sdk.js');
  try {
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer from Teams')), INIT_TIMEOUT_MS))]);
  } catch {
    return outsideTeams();
  }
  const context = await app.getContext();
  const theme = new ThemeSource(asTheme(context.app.theme));
  app.registerOnThemeChangeHandler((next) => theme.set(asTheme(next)));
  let cached: { token: string; until: number } | null = null;
  return {
    inTeams: true,
    get theme() {
      return theme.current;
    },
    userName: context.user?.displayName ?? context.user?.userPrincipalName ?? null,
    async token() {
      if (cached && cached.until > Date.now()) return cached.token;
      const token = await authentication.getAuthToken();
      // Teams caches the token too; keep it a minute here to spare the round trip.
      cached = { token, until: Date.now() + 60_000 };
      return token;
    },
    onThemeChange: (listener) => theme.add(listener),
    openLink(url) {
      if (isOpenableLink(url)) void app.openLink(url).catch(() => window.open(url, '_blank', 'noopener'));
    },
    openDialog(page, closed) {
      // dialog.url.open (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/task-modules/invoking-task-modules):
      // the submit handler runs when the dialog closes, submitted or not. The page must be on a
      // validDomains host (UrlDialogInfo): it is the tab's own.
      if (!dialog.url.isSupported()) return false;
      dialog.url.open({ url: page.url, title: page.title, size: { height: DialogDimension.Large, width: DialogDimension.Large }, fallbackUrl: page.url }, () => closed());
      return true;
    },
  };
}

export function applyTheme(theme: Theme): void {
  document.body.dataset.theme = theme;
}
