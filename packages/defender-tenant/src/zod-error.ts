/** Zod failures worded for a 400 body: each problem with the property it concerns. */
import type { z } from 'zod';
import { badRequest, type GraphHttpError } from './graph-error.js';

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Parse a request body, or a 400 naming what was wrong. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown, what: string): z.infer<T> {
  if (body === undefined) throw badRequest(`${what}: the request body is empty; a JSON object is required.`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidBody(what, parsed.error);
  return parsed.data;
}

function invalidBody(what: string, error: z.ZodError): GraphHttpError {
  return badRequest(`${what}: ${describeIssues(error)}`);
}
