/**
 * What a Graph client may expect back, as zod schemas the tests parse the tenant's answers with:
 * the alert and incident resources, a collection page and Graph's error body. Taken from
 * Microsoft's pages (not from any client), with the enums from the tenant's own Graph model:
 *   https://learn.microsoft.com/en-us/graph/api/resources/security-alert?view=graph-rest-1.0
 *   https://learn.microsoft.com/en-us/graph/api/resources/security-incident?view=graph-rest-1.0
 *   https://learn.microsoft.com/en-us/graph/errors
 */
import { z } from 'zod';
import { ALERT_STATUSES, CLASSIFICATIONS, DETECTION_SOURCES, DETERMINATIONS, INCIDENT_STATUSES, SERVICE_SOURCES, SEVERITIES } from '@irm-bot/defender-tenant';

const dateTime = z.string().datetime({ offset: true });

export const commentSchema = z.object({
  comment: z.string(),
  createdByDisplayName: z.string(),
  createdDateTime: dateTime,
});

export const evidenceSchema = z
  .object({
    '@odata.type': z.string().startsWith('#microsoft.graph.security.'),
    userAccount: z
      .object({
        userPrincipalName: z.string().nullable(),
        displayName: z.string().nullable(),
        azureAdUserId: z.string().nullable(),
        accountName: z.string().nullable(),
        domainName: z.string().nullable(),
      })
      .optional(),
  })
  .passthrough();

export const alertSchema = z.object({
  id: z.string().min(1),
  incidentId: z.string(),
  providerAlertId: z.string(),
  title: z.string(),
  description: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ALERT_STATUSES),
  classification: z.enum(CLASSIFICATIONS),
  determination: z.enum(DETERMINATIONS),
  serviceSource: z.enum(SERVICE_SOURCES),
  detectionSource: z.enum(DETECTION_SOURCES),
  assignedTo: z.string().nullable(),
  createdDateTime: dateTime,
  lastUpdateDateTime: dateTime,
  firstActivityDateTime: dateTime,
  lastActivityDateTime: dateTime,
  resolvedDateTime: dateTime.nullable(),
  alertWebUrl: z.string().url(),
  incidentWebUrl: z.string().url(),
  comments: z.array(commentSchema),
  evidence: z.array(evidenceSchema),
});

export const incidentSchema = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(INCIDENT_STATUSES),
  classification: z.enum(CLASSIFICATIONS),
  determination: z.enum(DETERMINATIONS),
  assignedTo: z.string().nullable(),
  customTags: z.array(z.string()),
  comments: z.array(commentSchema),
  resolvingComment: z.string().nullable(),
  lastModifiedBy: z.string().nullable(),
  createdDateTime: dateTime,
  lastUpdateDateTime: dateTime,
  incidentWebUrl: z.string().url(),
  alerts: z.array(alertSchema).optional(),
});

export type Alert = z.infer<typeof alertSchema>;
export type Incident = z.infer<typeof incidentSchema>;

export function collectionSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    '@odata.context': z.string(),
    value: z.array(item),
    '@odata.nextLink': z.string().url().optional(),
    '@odata.count': z.number().int().optional(),
  });
}

export const graphErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    innerError: z.object({ date: z.string(), 'request-id': z.string(), 'client-request-id': z.string() }),
  }),
});
