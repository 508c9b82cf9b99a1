/** Per-file setup: build the demo into demo/web/dist (the server serves it) and start a server. */
import { buildDemo } from '../../../demo/web/build';
import { startNodeServer } from '../../conformance/node-server';
import type { StartOptions, TestServer } from '../../conformance/server';

/** Builds the app unminified (readable stacks in failures) and starts the Node reference server. */
export async function startDemo(options: StartOptions = {}): Promise<TestServer> {
  await buildDemo({ minify: false });
  return startNodeServer(options);
}

/** Signs in over HTTP and calls the admin API, for setting the stage outside the browser. */
export async function adminRequest(server: TestServer, method: string, path: string, body?: unknown): Promise<void> {
  const login = await fetch(`${server.httpUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-pass' }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const response = await fetch(`${server.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
}
