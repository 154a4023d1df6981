/**
 * Cards are Adaptive Card templates (cards/*.json) expanded with typed view models.
 * Templates are read once, the first time each is used.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Template } from 'adaptivecards-templating';
import type { DigestCardData } from './digest-view.js';
import type { HelpCardData } from './help-view.js';
import type { HuntHelpCardData } from './hunt-help-view.js';
import type { HuntResultCardData } from './hunt-result-view.js';
import type { IncidentListCardData } from './incident-list-view.js';
import type { IncidentCardData } from './incident-view.js';
import type { NoticeCardData } from './notice-view.js';
import type { SummaryCardData } from './summary-view.js';
import type { UserSummaryCardData } from './user-summary-view.js';
import type { WelcomeCardData } from './welcome-view.js';

export interface CardDataByName {
  incident: IncidentCardData;
  'incident-list': IncidentListCardData;
  help: HelpCardData;
  notice: NoticeCardData;
  'hunt-result': HuntResultCardData;
  'hunt-help': HuntHelpCardData;
  'user-summary': UserSummaryCardData;
  summary: SummaryCardData;
  digest: DigestCardData;
  welcome: WelcomeCardData;
}
export type CardName = keyof CardDataByName;
export const CARD_NAMES: readonly CardName[] = ['incident', 'incident-list', 'help', 'notice', 'hunt-result', 'hunt-help', 'user-summary', 'summary', 'digest', 'welcome'];

/** An Adaptive Card as JSON. */
export type AdaptiveCardJson = { type: 'AdaptiveCard'; version: string; body?: unknown[]; actions?: unknown[] } & Record<string, unknown>;

export const CARDS_DIR = fileURLToPath(new URL('../../cards/', import.meta.url));

const templates = new Map<CardName, Template>();

function template(name: CardName): Template {
  let t = templates.get(name);
  if (!t) {
    t = new Template(JSON.parse(readFileSync(`${CARDS_DIR}${name}.json`, 'utf8')));
    templates.set(name, t);
  }
  return t;
}

export function renderCard<N extends CardName>(name: N, data: CardDataByName[N]): AdaptiveCardJson {
  const card = template(name).expand({ $root: data }) as AdaptiveCardJson;
  delete card.$schema;
  return card;
}
