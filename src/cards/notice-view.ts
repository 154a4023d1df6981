/** The notice card's view model (`cards/notice.json`): a heading and a line of text, coloured. */

/**
 * `heading` and `text` are markdown the caller wrote, outside parts through plain(). Strings
 * rather than Markdown only because the poller's reminder builds its text with a template literal.
 */
export interface NoticeCardData {
  heading: string;
  text: string;
  /** Never `Warning`: yellow text is unreadable on a light card (see SEVERITY_COLOURS). */
  colour: 'Default' | 'Attention' | 'Good';
}
