import { z } from 'zod';
import { MAX_CARD_ROWS, huntResultCardData } from '../../cards/hunt-result-view.js';
import { renderCard } from '../../cards/render.js';
import { NotFoundError } from '../../errors.js';
import { conversationOf, defineAction } from './action.js';
import { resultLens } from '../commands/hunt.js';

/** More rows of a result already in the cache: no new query reaches Defender. */
export const huntMore = defineAction({
  verb: 'huntMore',
  capability: 'hunt',
  what: 'see hunting results',
  data: z.object({
    resultId: z.string({ message: 'the card does not say which result it shows' }).uuid('the result id on the card is not valid'),
    shown: z.coerce.number().int().min(1).max(MAX_CARD_ROWS + 10),
  }),
  async handle({ resultId, shown }, context) {
    const { services } = context;
    const result = await services.hunting.result(resultId);
    if (!result) throw new NotFoundError('This result is no longer kept (results are kept for a few minutes). Run the query again to see more.');
    return renderCard('hunt-result', huntResultCardData(result, shown, await resultLens(services, conversationOf(context, 'Show more'), result), services.links.huntResult(result.id, result.query.name)));
  },
});
