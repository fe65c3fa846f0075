import { afterEach, expect } from 'vitest';
import { UserError } from '../../src/pipeline/util/errors.js';
import { startLoopbackServer, type LoopbackOptions, type LoopbackServer } from './loopback-server.js';

/** Things with `close()` (runs, servers) that a test file opens: closed after each test. */
export function closedAfterEach<T extends { close(): Promise<unknown> | void }>(): T[] {
  const open: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close()));
  });
  return open;
}

/** Start loopback servers that close after each test. */
export function loopbackServers(): (opts?: LoopbackOptions) => Promise<LoopbackServer> {
  const open = closedAfterEach<LoopbackServer>();
  return async (opts) => {
    const s = await startLoopbackServer(opts);
    open.push(s);
    return s;
  };
}

/** The UserError a promise rejects with, as `message | hint`; fails the test on anything else. */
export async function userErrorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return `${(e as UserError).message} | ${(e as UserError).hint ?? ''}`;
  }
  throw new Error('expected a UserError');
}
