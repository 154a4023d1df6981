/**
 * Links into the tab from cards. In Teams the full hunting result opens as a dialog, through
 * Teams' dialog deep link (https://teams.microsoft.com/l/task/{appId}?url=…); in demo mode, and
 * where no Teams app id is known, the page itself opens in the browser.
 */
/** The personal tab's `entityId` in manifest/manifest.template.json. */
export const QUEUE_TAB_ENTITY_ID = 'insider-risk-queue';

export class TabLinks {
  constructor(
    /** https://{PUBLIC_HOSTNAME}, or this machine's address in demo mode (known once the server listens). */
    private readonly baseUrl: () => string | null,
    private readonly teamsAppId: string | null,
    private readonly asTeamsDialog: boolean,
  ) {}

  /**
   * The incident-queue tab. In Teams, the deep link to the app's personal tab
   * (`https://teams.microsoft.com/l/entity/{appId}/{entityId}?webUrl=…&label=…`, "Deep link to an
   * application", https://learn.microsoft.com/en-us/microsoftteams/platform/concepts/build-and-test/deep-link-application),
   * which an Action.OpenUrl opens inside Teams; in demo mode the page itself.
   */
  queue(): string | null {
    const base = this.baseUrl();
    if (!base) return null;
    const page = `${base}/tab/index.html`;
    if (!this.asTeamsDialog || !this.teamsAppId) return page;
    return `https://teams.microsoft.com/l/entity/${encodeURIComponent(this.teamsAppId)}/${QUEUE_TAB_ENTITY_ID}?webUrl=${encodeURIComponent(page)}&label=${encodeURIComponent('Insider risk queue')}`;
  }

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
