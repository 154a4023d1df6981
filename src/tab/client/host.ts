/**
 * Where the tab runs. In Teams (an iframe, or a mobile web view): teams-js is initialised, the
 * theme and the user come from the context, and each API call carries a single sign-on token
 * from `authentication.getAuthToken()`. In a plain browser: it says so; the demo bot accepts the
 * demo user, a production bot asks the person to open the tab in Teams.
 */

export type Theme = 'default' | 'dark' | 'contrast';

export interface Host {
  inTeams: boolean;
  theme: Theme;
  /** The Teams user's name, when in Teams. */
  userName: string | null;
  /** A token for the tab API (null outside Teams). */
  token(): Promise<string | null>;
  onThemeChange(handler: (theme: Theme) => void): void;
  openLink(url: string): void;
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

function outsideTeams(): Host {
  return {
    inTeams: false,
    theme: browserTheme(),
    userName: null,
    token: async () => null,
    onThemeChange(handler) {
      window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => handler(browserTheme()));
    },
    openLink(url) {
      window.open(url, '_blank', 'noopener');
    },
  };
}

export async function connectHost(): Promise<Host> {
  if (!looksFramed()) return outsideTeams();
  // Loaded only in a frame, so a plain browser never starts teams-js.
  const { app, authentication } = await import('./teams-sdk.js');
  try {
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer from Teams')), INIT_TIMEOUT_MS))]);
  } catch {
    return outsideTeams();
  }
  const context = await app.getContext();
  let cached: { token: string; until: number } | null = null;
  return {
    inTeams: true,
    theme: asTheme(context.app.theme),
    userName: context.user?.displayName ?? context.user?.userPrincipalName ?? null,
    async token() {
      if (cached && cached.until > Date.now()) return cached.token;
      const token = await authentication.getAuthToken();
      // Teams caches the token too; keep it a minute here to spare the round trip.
      cached = { token, until: Date.now() + 60_000 };
      return token;
    },
    onThemeChange(handler) {
      app.registerOnThemeChangeHandler((theme) => handler(asTheme(theme)));
    },
    openLink(url) {
      void app.openLink(url).catch(() => window.open(url, '_blank', 'noopener'));
    },
  };
}

export function applyTheme(theme: Theme): void {
  document.body.dataset.theme = theme;
}
