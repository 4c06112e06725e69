// "Restart Loop" (the system plugin's restart action): under a service manager Loop exits with
// system.restart_exit_code and the manager starts it again; with none (`npm start`, a shell), Loop
// starts itself again once the old process has released its ports: the same node, V8 flags, script
// and arguments, detached, and then the old process exits.
import { spawn } from 'node:child_process';

/** The exit code the restart action asked for; null while no restart is under way. */
let requestedExitCode: number | null = null;

/** Asks for a graceful stop and then a restart; the answer to the request goes out first. */
export function requestRestart(exitCode: number): void {
  requestedExitCode = exitCode;
  process.exitCode = exitCode;
  // The CLI's SIGTERM handler does the graceful stop, as for a service manager's stop.
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100).unref();
}

/** The exit code of a restart under way, else null. */
export function restartRequested(): number | null {
  return requestedExitCode;
}

/**
 * The service manager that starts Loop again when it exits, or null. systemd sets INVOCATION_ID
 * for every unit (and NOTIFY_SOCKET for Type=notify ones, which the notifier then removes from the
 * environment: read this before it starts).
 */
export function serviceManager(env: NodeJS.ProcessEnv = process.env): 'systemd' | null {
  return env.INVOCATION_ID || env.NOTIFY_SOCKET ? 'systemd' : null;
}

/** Starts a new Loop exactly as this one was started, in its own session; answers its pid. */
export function startAgain(): number {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    cwd: process.cwd(),
    env: process.env,
    // The same terminal or log as before; its own session, so it outlives this one's process group.
    stdio: 'inherit',
    detached: true,
  });
  // Exec failures (ENOENT, EAGAIN) are also reported as an event; the missing pid says it here.
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${process.execPath} again`);
  child.unref();
  return child.pid;
}
