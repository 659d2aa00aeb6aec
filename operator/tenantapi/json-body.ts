import { StatusError } from './status.ts';

/** A request body that must be one JSON object; anything else is a 400 showing what it should look like. */
export function jsonObjectBody(text: string, example: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new StatusError('BadRequest', `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new StatusError('BadRequest', `the body must be a JSON object like ${example}`);
  return body as Record<string, unknown>;
}
