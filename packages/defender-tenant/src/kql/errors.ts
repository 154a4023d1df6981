/** What goes wrong in a query: each becomes a Graph 400 naming the problem and where it is. */

export class KqlError extends Error {
  constructor(
    message: string,
    /** Offset in the query text, when the problem has a place. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'KqlError';
  }
}

export const ENGINE = "The embedded tenant's hunting engine";

export const unsupportedOperator = (name: string, position?: number) => new KqlError(`${ENGINE} does not support the '${name}' operator`, position);
export const unsupportedFunction = (name: string, position?: number) => new KqlError(`${ENGINE} does not support the function '${name}()'`, position);

/** `line L, column C` (both from 1) of an offset. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function describeKqlError(error: KqlError, query: string): string {
  if (error.position === undefined) return error.message;
  const { line, column } = lineAndColumn(query, error.position);
  const message = error.message.replace(/\.$/, '');
  return `${message} (line ${line}, column ${column}).`;
}
