/**
 * Section 3: the cost of a permission check. On the client, `can()` on a snapshot of 1,000 grants
 * (scoped and unscoped) beside a bare `Set.has` over the same strings, the floor of any lookup,
 * and for scoped checks also a two-level map that builds no `permission@resource` string. On
 * the server, the work the reference server adds to each request for its permission check (the
 * user's grants read fresh from SQLite, the set built, the contract's rule) beside the chat
 * handler alone, both run in this process on a seeded copy of the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chatContract } from '../demo/contract';
import { createChatHandlers } from '../demo/server/chat';
import { openDatabase } from '../demo/server/db';
import { createMessageStore } from '../demo/server/messages';
import { createUserStore } from '../demo/server/users';
import { checkAction, createPermissionSet, type ActionDefinition } from '../src/protocol';
import { createPermissionsCache, type UserPermissions } from '../src/server/permissions-cache';
import { num, times, type Row } from './report';
import { median } from './stats';

/** Counts for the section. */
export interface PermissionCounts {
  /** can() calls per run. */
  checks: number;
  /** Server-side iterations per run. */
  serverIterations: number;
  runs: number;
}

const SECTION = '3. Permission checks';
const QUERIES = 1024;

/** 1,000 grants: 500 unscoped (`app3.perm_17`) and 500 scoped (`chat.perm_9@room:r123`). */
function grantSet(): string[] {
  const grants: string[] = [];
  for (let i = 0; i < 500; i++) grants.push(`app${i % 10}.perm_${i}`);
  for (let i = 0; i < 500; i++) grants.push(`chat.perm_${i % 50}@room:r${i}`);
  return grants;
}

/** Queries that hit and miss in equal parts, so neither path is the only one measured. */
function queries(scoped: boolean): [string, string | undefined][] {
  return Array.from({ length: QUERIES }, (_, i) => {
    const hit = i % 2 === 0;
    if (!scoped) return [hit ? `app${i % 10}.perm_${i % 500}` : `app${i % 10}.nope_${i}`, undefined];
    return [`chat.perm_${i % 50}`, hit ? `room:r${i % 500 - ((i % 500) % 50) + (i % 50)}` : `room:x${i}`];
  });
}

/** Calls per second of `check` over the queries, `count` calls. */
function rate(check: (permission: string, resource: string | undefined) => boolean, list: [string, string | undefined][], count: number): number {
  let allowed = 0;
  const begin = performance.now();
  for (let i = 0; i < count; i++) {
    const [permission, resource] = list[i & (QUERIES - 1)] as [string, string | undefined];
    if (check(permission, resource)) allowed++;
  }
  const seconds = (performance.now() - begin) / 1000;
  // Using the result keeps the loop from being optimised away.
  if (allowed < 0) throw new Error('unreachable');
  return count / seconds;
}

/** Microseconds per call of `work`, `count` calls. */
function perCall(work: () => unknown, count: number): number {
  let sink = 0;
  const begin = performance.now();
  for (let i = 0; i < count; i++) if (work()) sink++;
  if (sink < 0) throw new Error('unreachable');
  return ((performance.now() - begin) * 1000) / count;
}

/** Runs the section; `sdkP50` (µs, from section 2) puts the server's cost beside a whole round trip. */
export async function permissionSection(counts: PermissionCounts, sdkP50: number | undefined): Promise<Row[]> {
  const grants = grantSet();
  const snapshot = createPermissionSet(1, grants);
  const bare = new Set(grants);
  const results = { unscoped: [] as number[], scoped: [] as number[], bareUnscoped: [] as number[], bareScoped: [] as number[], nestedScoped: [] as number[] };
  const unscopedQueries = queries(false);
  const scopedQueries = queries(true);
  // The floor: one Set.has per query, the scoped key built the same way can() builds it.
  const bareCheck = (permission: string, resource: string | undefined) =>
    bare.has(permission) || (resource !== undefined && bare.has(`${permission}@${resource}`));
  // A lookup that builds no string: resources kept per permission in a two-level map.
  const nested = new Map<string, Set<string>>();
  for (const grant of grants) {
    const at = grant.indexOf('@');
    const key = at < 0 ? grant : grant.slice(0, at);
    const resources = nested.get(key) ?? new Set<string>();
    resources.add(at < 0 ? '' : grant.slice(at + 1));
    nested.set(key, resources);
  }
  const nestedCheck = (permission: string, resource: string | undefined) => {
    const resources = nested.get(permission);
    return resources !== undefined && (resources.has('') || (resource !== undefined && resources.has(resource)));
  };
  for (let run = 0; run <= counts.runs; run++) {
    const record = run > 0; // the first pass warms the JIT up
    const u = rate(snapshot.can, unscopedQueries, counts.checks);
    const s = rate(snapshot.can, scopedQueries, counts.checks);
    const bu = rate(bareCheck, unscopedQueries, counts.checks);
    const bs = rate(bareCheck, scopedQueries, counts.checks);
    const ns = rate(nestedCheck, scopedQueries, counts.checks);
    if (record) {
      results.unscoped.push(u);
      results.scoped.push(s);
      results.bareUnscoped.push(bu);
      results.bareScoped.push(bs);
      results.nestedScoped.push(ns);
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'permsocket-bench-perm-'));
  try {
    const db = await openDatabase(join(dir, 'db.sqlite3'));
    const users = createUserStore(db);
    const handlers = createChatHandlers(createMessageStore(db), async () => {});
    const alice = users.byName('alice');
    if (!alice) throw new Error('the seed has no alice');
    const definition = chatContract.actions['chat.history'] as ActionDefinition<unknown, unknown>;
    const payload = { room: 'random' };
    const user = { id: String(alice.id), name: alice.username };
    // Exactly the reference server's per-request check (the engine's, with demo/server/server.ts's
    // hooks): the version from memory and SQLite's data_version, the cached set, the contract's rule.
    const cache = createPermissionsCache(
      (who) => users.permissionState(Number(who.id))!,
      (who) => users.permissionsVersion(Number(who.id)),
    );
    const permission = () => checkAction(definition, payload, (cache.get(user) as UserPermissions).set).allowed;
    const context = { user, permissions: createPermissionSet(1, []), signal: new AbortController().signal, requestId: 'r', connectionId: 'c', key: undefined, keyHandled: () => {} };
    const handler = () => handlers['chat.history'](payload as { room: string }, context);
    const permissionUs: number[] = [];
    const handlerUs: number[] = [];
    for (let run = 0; run <= counts.runs; run++) {
      const p = perCall(permission, counts.serverIterations);
      const h = perCall(handler, counts.serverIterations);
      if (run > 0) {
        permissionUs.push(p);
        handlerUs.push(h);
      }
    }
    db.close();
    const million = (value: number) => `${num(value / 1e6, 1)} M/s`;
    const us = (value: number) => `${num(value, 2)} µs`;
    const p = median(permissionUs);
    const h = median(handlerUs);
    return [
      {
        section: SECTION,
        figure: 'can(), 1,000 grants, unscoped',
        value: million(median(results.unscoped)),
        baseline: `bare Set.has: ${million(median(results.bareUnscoped))}`,
        comparison: `${times(median(results.unscoped) / median(results.bareUnscoped))} bare Set.has`,
        target: '>= 5 M/s',
        pass: median(results.unscoped) >= 5e6,
        data: results,
      },
      {
        section: SECTION,
        figure: 'can(), 1,000 grants, scoped',
        value: million(median(results.scoped)),
        baseline: `Set.has on a built key: ${million(median(results.bareScoped))}; two-level Map: ${million(median(results.nestedScoped))}`,
        comparison: `${times(median(results.scoped) / median(results.bareScoped))} Set.has; ${times(median(results.scoped) / median(results.nestedScoped))} two-level Map`,
        target: '>= 5 M/s',
        pass: median(results.scoped) >= 5e6,
      },
      {
        section: SECTION,
        figure: 'server: permission check per request',
        value: us(p),
        baseline: `chat.history handler alone: ${us(h)}`,
        comparison: `${times(p / h)} the handler${sdkP50 ? `; ${num((p / sdkP50) * 100, 1)}% of the SDK p50` : ''}`,
        data: { permissionUs, handlerUs },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
