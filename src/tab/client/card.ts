/**
 * The incident card, drawn in the tab by the Adaptive Cards renderer from the same JSON the bot
 * posts in Teams. A button click goes to the tab API as the same verb and data a click in Teams
 * sends; the card that comes back replaces this one.
 */
import { AdaptiveCard, ExecuteAction, HostConfig, OpenUrlAction, type Action } from 'adaptivecards';
import type { CardJson } from './api.js';
import type { Theme } from './host.js';
import { markdownToSafeHtml } from './markdown.js';

AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdownToSafeHtml(text);
  result.didProcess = true;
};

const PALETTES: Record<Theme, { text: string; subtle: string; accent: string; good: string; warning: string; attention: string; background: string; emphasis: string }> = {
  default: { text: '#242424', subtle: '#616161', accent: '#5b5fc7', good: '#0e700e', warning: '#8a5300', attention: '#c4314b', background: '#ffffff', emphasis: '#f5f5f5' },
  dark: { text: '#ffffff', subtle: '#d6d6d6', accent: '#a6a7dc', good: '#92c353', warning: '#f8d22a', attention: '#f9526b', background: '#292929', emphasis: '#1f1f1f' },
  contrast: { text: '#ffffff', subtle: '#ffffff', accent: '#ffff00', good: '#3ff23f', warning: '#ffff00', attention: '#ff6a6a', background: '#000000', emphasis: '#000000' },
};

function hostConfig(theme: Theme): HostConfig {
  const p = PALETTES[theme];
  const colours = {
    default: { default: p.text, subtle: p.subtle },
    dark: { default: p.text, subtle: p.subtle },
    light: { default: p.text, subtle: p.subtle },
    accent: { default: p.accent, subtle: p.accent },
    good: { default: p.good, subtle: p.good },
    warning: { default: p.warning, subtle: p.warning },
    attention: { default: p.attention, subtle: p.attention },
  };
  return new HostConfig({
    fontFamily: '"Segoe UI", system-ui, -apple-system, sans-serif',
    supportsInteractivity: true,
    containerStyles: {
      default: { backgroundColor: p.background, foregroundColors: colours },
      emphasis: { backgroundColor: p.emphasis, foregroundColors: colours },
      accent: { backgroundColor: p.emphasis, foregroundColors: colours },
      good: { backgroundColor: p.emphasis, foregroundColors: colours },
      warning: { backgroundColor: p.emphasis, foregroundColors: colours },
      attention: { backgroundColor: p.emphasis, foregroundColors: colours },
    },
    actions: { maxActions: 6, buttonSpacing: 8, showCard: { actionMode: 'inline', inlineTopMargin: 12 } },
  });
}

export interface CardHandlers {
  execute(verb: string, data: unknown): Promise<void>;
  openUrl(url: string): void;
}

export function renderCard(json: CardJson, theme: Theme, handlers: CardHandlers): HTMLElement {
  const card = new AdaptiveCard();
  card.hostConfig = hostConfig(theme);
  card.onExecuteAction = (action: Action) => {
    if (action instanceof ExecuteAction) void handlers.execute(action.verb, action.data ?? {});
    else if (action instanceof OpenUrlAction && action.url) handlers.openUrl(action.url);
  };
  card.parse(json);
  const element = card.render();
  if (!element) throw new Error('The card could not be drawn.');
  element.classList.add('tab-card');
  return element;
}
