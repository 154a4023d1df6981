import { z } from 'zod';
import { CLASSIFICATION_WORDS, DETERMINATIONS_BY_CLASSIFICATION, RESOLVE_CLASSIFICATIONS } from '../../defender/irm-mapping.js';
import { DETERMINATIONS } from '../../defender/model.js';
import { decideWithinBudget, defineAction, incidentIdSchema } from './action.js';

export const TRUE_POSITIVE_NEEDS_COMMENT = 'Nothing was written: a true positive needs a comment saying what you checked and what you found. Your choice is kept in the Resolve form.';

const classificationList = RESOLVE_CLASSIFICATIONS.map((c) => CLASSIFICATION_WORDS[c]).join(', ');

/** The form sends determinations as `classification/determination` so one list can serve all three. */
const determinationSchema = z
  .string()
  .max(80)
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const [classification, determination] = v.split('/');
    const known = DETERMINATIONS.find((d) => d === determination);
    if (!classification || !known) {
      ctx.addIssue({ code: 'custom', message: 'the determination is not one Defender knows' });
      return z.NEVER;
    }
    return { classification, determination: known };
  });

export const resolve = defineAction({
  verb: 'resolve',
  capability: 'act',
  inTab: true,
  what: 'resolve an incident',
  data: z
    .object({
      incidentId: incidentIdSchema,
      version: z.string().max(64).optional(),
      classification: z.enum(RESOLVE_CLASSIFICATIONS, {
        message: `choose a classification (${classificationList}): resolving without one dismisses the alert in Insider Risk Management`,
      }),
      determination: determinationSchema,
      comment: z.string().max(1000, 'the comment is longer than 1000 characters').optional(),
    })
    .superRefine((data, ctx) => {
      if (data.determination && data.determination.classification !== data.classification) {
        ctx.addIssue({ code: 'custom', path: ['determination'], message: `the determination chosen belongs to another classification than ${CLASSIFICATION_WORDS[data.classification]}` });
      }
    }),
  // Recorded with the classification and determination (Defender's default for the classification when none was chosen).
  audit: ({ incidentId, classification, determination }) => ({
    target: incidentId,
    detail: `${classification}/${determination?.determination ?? DETERMINATIONS_BY_CLASSIFICATION[classification][0]}`,
  }),
  async handle({ incidentId, version, classification, determination, comment }, context) {
    // Put back into the form if the decision is refused, so nothing typed is lost.
    const draft = { classification, determination: determination ? `${determination.classification}/${determination.determination}` : undefined, comment };
    if (classification === 'truePositive' && !comment?.trim()) {
      // Confirming a person's insider risk is on the record in Defender and Purview: it says why.
      context.audit.refused(TRUE_POSITIVE_NEEDS_COMMENT);
      return context.services.cards.card(await context.services.triage.getIrmIncident(incidentId), TRUE_POSITIVE_NEEDS_COMMENT, undefined, draft);
    }
    return decideWithinBudget(context, incidentId, () => context.services.triage.resolve(incidentId, context.actor, { classification, determination: determination?.determination, comment }, version), draft);
  },
});
