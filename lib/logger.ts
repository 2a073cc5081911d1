/** One structured logger: JSON lines on stderr (level, msg, fields). */
type Fields = Record<string, unknown>;

function write(level: 'debug' | 'info' | 'warn' | 'error', fields: Fields, msg: string) {
  if (level === 'debug' && !process.env.CLOUDROUTER_DEBUG) return;
  const out: Fields = { level, time: new Date().toISOString(), msg, ...fields };
  if (fields.err instanceof Error) out.err = { name: fields.err.name, message: fields.err.message, stack: fields.err.stack };
  process.stderr.write(JSON.stringify(out) + '\n');
}

export const logger = {
  debug: (fields: Fields, msg: string) => write('debug', fields, msg),
  info: (fields: Fields, msg: string) => write('info', fields, msg),
  warn: (fields: Fields, msg: string) => write('warn', fields, msg),
  error: (fields: Fields, msg: string) => write('error', fields, msg),
};
