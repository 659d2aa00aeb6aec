import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs on stderr. Secrets never reach a log line: objects are logged by reference
 * (kind/namespace/name), and these paths are redacted should a whole object slip through.
 */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'tenantry',
      level: opts.level ?? process.env.TENANTRY_LOG_LEVEL ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['data', '*.data', 'stringData', '*.stringData', 'token', '*.token', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
