/**
 * Links into the tab from cards. In Teams the full hunting result opens as a dialog, through
 * Teams' dialog deep link (https://teams.microsoft.com/l/task/{appId}?url=…); in demo mode, and
 * where no Teams app id is known, the page itself opens in the browser.
 */
export class TabLinks {
  constructor(
    /** https://{PUBLIC_HOSTNAME}, or this machine's address in demo mode (known once the server listens). */
    private readonly baseUrl: () => string | null,
    private readonly teamsAppId: string | null,
    private readonly asTeamsDialog: boolean,
  ) {}

  huntResult(resultId: string, queryName: string): string | null {
    const base = this.baseUrl();
    if (!base) return null;
    const page = `${base}/tab/hunt.html?result=${encodeURIComponent(resultId)}`;
    if (!this.asTeamsDialog || !this.teamsAppId) return page;
    const query = Object.entries({ url: page, height: 'large', width: 'large', title: `Hunting result: ${queryName}`, fallbackUrl: page })
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    return `https://teams.microsoft.com/l/task/${encodeURIComponent(this.teamsAppId)}?${query}`;
  }
}
