/** Serves the built demo web app (demo/web/dist) when it exists, with an index.html fallback. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join, normalize, sep } from 'node:path';

/** A build output named with a content hash: `name-HASH.ext` (8 or more hash characters). */
const HASHED = /-[A-Za-z0-9]{8,}\.[a-z0-9]+$/;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Serves one static file; resolves false when there is nothing to serve for that path. */
export async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const file = normalize(join(root, decoded));
  // A path that climbs out of the root (../) is never served.
  if (file !== root && !file.startsWith(root + sep)) return false;
  let chosen: string | undefined;
  if (await isFile(file)) chosen = file;
  // Client-side routes (no extension) get the app's index.html.
  else if (extname(decoded) === '' && (await isFile(join(root, 'index.html')))) chosen = join(root, 'index.html');
  if (!chosen) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[extname(chosen)] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    // Only a content-hashed name (app-36WXNOS2.js) may be cached: anything else must be revalidated.
    'Cache-Control': HASHED.test(basename(chosen)) ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  const stream = createReadStream(chosen);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return true;
}
