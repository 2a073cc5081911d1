/** Agents log JSON lines on stderr, like the console. */
export function agentLogger(kind: string, id: string) {
  return (level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}) => {
    process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), agent: kind, id, msg, ...fields })}\n`);
  };
}
