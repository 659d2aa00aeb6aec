/** A failed API request, carrying the status code and the server's Status reason/message. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: unknown;

  constructor(code: number, reason: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409;
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;
/** Refused by validation or admission: retrying the same request cannot help. */
export const isInvalid = (e: unknown): boolean =>
  e instanceof ApiError && (e.code === 422 || (e.code === 400 && e.reason === 'BadRequest'));
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.code === 403;
