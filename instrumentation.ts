/**
 * Runs once when the console's server process starts. The Node-only start-up (open and migrate the
 * database, create the first admin) lives in server/boot.ts so the Edge bundle never sees it.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { bootConsole } = await import('./server/boot');
    await bootConsole();
  }
}
