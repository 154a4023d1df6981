/**
 * The parameter types a canned query may take. Each validates a value typed in chat (a zod
 * schema from string to value, whose message says what was expected) before `literals.ts`
 * writes it into KQL: validation narrows values to what the column can hold, escaping makes
 * whatever passes harmless.
 */
import { isUpn } from '../util/upn.js';
import { z } from 'zod';

interface ParamBase {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** As it would be typed in chat; used when the parameter is left out. */
  readonly default?: string;
  readonly example: string;
}

/** Becomes a KQL string literal. */
export interface StringParam extends ParamBase {
  readonly kind: 'string';
  readonly schema: z.ZodType<string, string>;
}

/** A number of days: a KQL timespan literal (`7d`) and the query's ISO 8601 timespan. */
export interface DaysParam extends ParamBase {
  readonly kind: 'days';
  readonly schema: z.ZodType<number, string>;
}

/** A whole number: a KQL long literal. */
export interface CountParam extends ParamBase {
  readonly kind: 'count';
  readonly schema: z.ZodType<number, string>;
}

export type QueryParam = StringParam | DaysParam | CountParam;

/** Longest value looked at: anything longer is refused before any pattern runs. */
const MAX_INPUT = 256;

export const MAX_DAYS = 30;

/** A UPN (src/util/upn.ts); an apostrophe in one simply travels inside the KQL literal. */
const UPN_MESSAGE =
  "user must be a user principal name such as adele.vance@contoso.com: letters, digits or ' . - _ ! # ^ ~ before the @ (up to 64), a domain name after it, at most 113 characters";

const text = (message: string) => z.string(message).trim().max(MAX_INPUT, message);

export function userParam(options: { required: boolean; description: string }): StringParam {
  return {
    kind: 'string',
    name: 'user',
    description: options.description,
    required: options.required,
    example: 'adele.vance@contoso.com',
    schema: text(UPN_MESSAGE).refine(isUpn, UPN_MESSAGE),
  };
}

const EXTENSION_MESSAGE = 'ext must be a file extension such as .zip (a dot, then 1 to 10 letters or digits)';

/** `.zip`, `ZIP` and `zip` all mean `.zip`. */
export function extensionParam(defaultExtension: string): StringParam {
  return {
    kind: 'string',
    name: 'ext',
    description: 'file extension the file name ends with',
    required: false,
    default: defaultExtension,
    example: '.7z',
    schema: text(EXTENSION_MESSAGE)
      .regex(/^\.?[A-Za-z0-9]{1,10}$/, EXTENSION_MESSAGE)
      .transform((value) => `.${value.replace(/^\./, '').toLowerCase()}`),
  };
}

const ALERT_MESSAGE = 'alert must be a Defender alert id such as da638512345678901234_-1234567: 1 to 100 letters, digits, _ or -';

export function alertParam(): StringParam {
  return {
    kind: 'string',
    name: 'alert',
    description: 'Defender alert id (as on the alert card or in its link)',
    required: true,
    example: 'da638512345678901234_-1234567',
    schema: text(ALERT_MESSAGE).regex(/^[A-Za-z0-9_-]{1,100}$/, ALERT_MESSAGE),
  };
}

const wholeNumber = (name: string, min: number, max: number, unit: string) => {
  const message = `${name} must be a whole number of ${unit} from ${min} to ${max}`;
  return text(message)
    .regex(/^[0-9]{1,4}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

export function daysParam(defaultDays: number): DaysParam {
  return {
    kind: 'days',
    name: 'days',
    description: `how many days back to look (advanced hunting keeps ${MAX_DAYS})`,
    required: false,
    default: String(defaultDays),
    example: '14',
    schema: wholeNumber('days', 1, MAX_DAYS, 'days'),
  };
}

export function topParam(defaultTop: number, max: number): CountParam {
  return {
    kind: 'count',
    name: 'top',
    description: 'how many users to list',
    required: false,
    default: String(defaultTop),
    example: '5',
    schema: wholeNumber('top', 1, max, 'users'),
  };
}

/**
 * DataSecurityEvents ActionType values the catalogue knows (those the embedded tenant records;
 * test/hunting checks the two lists agree).
 */
export const DATA_SECURITY_ACTIONS = [
  'FileArchived',
  'FileCopiedToNetworkShare',
  'FileCopiedToRemovableMedia',
  'FileDownloaded',
  'FilePrinted',
  'FileUploaded',
  'FileUploadedToCloud',
  'SensitivityLabelDowngraded',
  'SensitivityLabelRemoved',
] as const;

/** One of a fixed list, matched without regard to case and returned as the list spells it. */
export function enumParam(spec: { name: string; description: string; values: readonly string[]; example: string }): StringParam {
  const message = `${spec.name} must be one of ${spec.values.join(', ')}`;
  return {
    kind: 'string',
    name: spec.name,
    description: spec.description,
    required: false,
    example: spec.example,
    schema: text(message).transform((value, ctx) => {
      const match = spec.values.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
      if (match === undefined) ctx.addIssue({ code: 'custom', message });
      return match ?? value;
    }),
  };
}

export function actionParam(): StringParam {
  return enumParam({ name: 'action', description: 'only this kind of activity (DataSecurityEvents ActionType)', values: DATA_SECURITY_ACTIONS, example: 'FileCopiedToRemovableMedia' });
}
