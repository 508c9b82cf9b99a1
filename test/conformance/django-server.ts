/**
 * The Django Channels reference server as a {@link ServerFactory}: a child process
 * (`/usr/bin/python3 demo/django/run.py`, which enters demo/django/.venv where permsocket-django is installed) on a free 127.0.0.1 port with its own temporary SQLite
 * file and secret. It needs Debian's Django packages; {@link djangoServers} says what to install
 * when they are missing (and fails under CI, where they must be there).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerFactory } from './server';
import { startServerProcess } from './server-process';

/** Debian's interpreter: a pyenv or venv `python3` on PATH cannot see Debian's packages. */
export const PYTHON = '/usr/bin/python3';
/** The one command that provides everything the Django server and its tests need. */
export const INSTALL_HINT =
  'apt-get install -y python3-django python3-django-channels python3-daphne python3-channels-redis python3-jwt python3-jsonschema python3-django-guardian python3-setuptools python3-wheel python3-venv python3-pip python3-uvicorn python3-wsproto redis-server';
/** The modules permsocket-django and its tests import from Debian's site packages. */
export const PYTHON_MODULES = 'import django, channels, daphne, channels_redis, jwt, jsonschema, guardian, setuptools, wheel, pip, venv';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// First start migrates and seeds (hashing five passwords), so allow more than the Node server.
const STARTUP_MS = 45_000;

let availability: string | null | undefined;

/**
 * Why the Django server cannot run here (a missing interpreter or package), or null when it can.
 * Checked once per test process.
 */
export function djangoUnavailable(): string | null {
  if (availability !== undefined) return availability;
  try {
    execFileSync(PYTHON, ['-c', PYTHON_MODULES], { stdio: 'pipe', timeout: 20_000 });
    availability = null;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(error);
    availability = `the Django reference server needs Debian's packages (${detail}); install them with:\n  ${INSTALL_HINT}`;
  }
  return availability;
}

/**
 * The interpreter of demo/django's own virtual environment, with permsocket-django pip-installed
 * from permsocket-django/ (demo/django/bootstrap.py creates it, or reinstalls the package when its
 * source changed). run.py and manage.py enter it by themselves; tests that run Python directly use this.
 */
export function djangoPython(): string {
  return execFileSync(PYTHON, ['demo/django/bootstrap.py'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
    .toString()
    .trim();
}

/** Starts the Django reference server; resolves once it prints its URL and /healthz answers 200. */
export const startDjangoServer: ServerFactory = async (options = {}) => {
  const missing = djangoUnavailable();
  if (missing) throw new Error(missing);
  return startServerProcess(
    {
      name: 'django',
      command: PYTHON,
      args: ['demo/django/run.py'],
      // Python buffers stdout when it is a pipe; the "listening on" line must arrive at once.
      env: { PYTHONUNBUFFERED: '1' },
      startupMs: STARTUP_MS,
    },
    options,
  );
};

let warned = false;

/**
 * The Django entry for the conformance suite's server list. Under CI=true it is always there, so
 * missing packages fail its cases with the install command; locally it is left out with the same
 * message printed once, and the Node cases still run.
 */
export function djangoServers(): { name: string; start: ServerFactory }[] {
  const missing = djangoUnavailable();
  if (missing && process.env.CI !== 'true') {
    if (!warned) console.warn(`\nSkipping the Django conformance cases: ${missing}\n`);
    warned = true;
    return [];
  }
  return [{ name: 'django', start: startDjangoServer }];
}
