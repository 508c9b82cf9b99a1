/** The reference servers the conformance suite runs against. */
import type { ServerFactory } from './server';
import { startNodeServer } from './node-server';

export const servers: { name: string; start: ServerFactory }[] = [{ name: 'node', start: startNodeServer }, ...(await import('./django-server')).djangoServers()];
