// The cache folder's run lock on a real file system with real processes: a second run waits
// for the first, a lock whose owner has ended (or whose machine rebooted) is taken over, and a
// lock taken on another machine is never taken over.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireRunLock, RUN_LOCK, type LockOwner } from '../../src/lifecycle/run-lock.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'edge-evals-run-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let folders = 0;
const cacheFolder = () => path.join(work, `cache-${++folders}`);

function writeLock(cacheDir: string, owner: Partial<LockOwner>): LockOwner {
  const lock: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    bootedAt: Math.round((Date.now() - os.uptime() * 1000) / 60_000) * 60_000,
    resultsDir: '/somewhere/results',
    token: `token-${Math.random()}`,
    ...owner,
  };
  writeFileSync(path.join(cacheDir, RUN_LOCK), JSON.stringify(lock));
  return lock;
}

const readOwner = (cacheDir: string) => JSON.parse(readFileSync(path.join(cacheDir, RUN_LOCK), 'utf8')) as LockOwner;

describe('the run lock of a cache folder', () => {
  it('makes a second run wait, says for whom, and lets it in once the first releases', async () => {
    const cacheDir = cacheFolder();
    const first = await acquireRunLock(cacheDir, { resultsDir: '/first/results' });
    expect(readOwner(cacheDir)).toMatchObject({ pid: process.pid, resultsDir: '/first/results' });
    const waits: LockOwner[] = [];
    let acquired = false;
    const second = acquireRunLock(cacheDir, { resultsDir: '/second/results', pollMs: 20, onWait: (holder) => waits.push(holder) }).then((lock) => {
      acquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(acquired).toBe(false);
    expect(waits).toHaveLength(1); // told once, not at every poll
    expect(waits[0]).toMatchObject({ pid: process.pid, resultsDir: '/first/results', token: first.owner.token });
    first.release();
    const lock = await second;
    expect(readOwner(cacheDir)).toMatchObject({ resultsDir: '/second/results', token: lock.owner.token });
    first.release(); // a second release of an old lock leaves the new owner's alone
    expect(readOwner(cacheDir).token).toBe(lock.owner.token);
    lock.release();
    expect(() => readOwner(cacheDir)).toThrow(/ENOENT/);
  });

  it('waits while the owning process lives, and takes the lock over once it has ended', async () => {
    const cacheDir = cacheFolder();
    await acquireRunLock(cacheDir, { resultsDir: 'x' }).then((lock) => lock.release()); // makes the folder
    const owner = execa('sleep', ['30']);
    owner.catch(() => undefined);
    const held = writeLock(cacheDir, { pid: owner.pid as number });
    const stale: LockOwner[] = [];
    const waits: LockOwner[] = [];
    const taking = acquireRunLock(cacheDir, { resultsDir: 'mine', pollMs: 20, onWait: (holder) => waits.push(holder), onStale: (holder) => stale.push(holder) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(waits.map((holder) => holder.token)).toEqual([held.token]);
    owner.kill('SIGKILL');
    const lock = await taking;
    expect(stale.map((holder) => holder.token)).toEqual([held.token]);
    expect(readOwner(cacheDir).token).toBe(lock.owner.token);
    lock.release();
  });

  it('takes over a lock from before the last reboot, whose pid may since be anyone', async () => {
    const cacheDir = cacheFolder();
    await acquireRunLock(cacheDir, { resultsDir: 'x' }).then((lock) => lock.release());
    // Our own pid, alive, but recorded on a boot of a week ago.
    writeLock(cacheDir, { bootedAt: Date.now() - 7 * 86_400_000 });
    const lock = await acquireRunLock(cacheDir, { resultsDir: 'mine', pollMs: 20 });
    expect(readOwner(cacheDir).token).toBe(lock.owner.token);
    lock.release();
  });

  it("never takes over a lock taken on another machine (a shared folder), whose pid it cannot check", async () => {
    const cacheDir = cacheFolder();
    await acquireRunLock(cacheDir, { resultsDir: 'x' }).then((lock) => lock.release());
    const held = writeLock(cacheDir, { hostname: 'another-machine', pid: 999_999 });
    const controller = new AbortController();
    const waits: LockOwner[] = [];
    const taking = acquireRunLock(cacheDir, { resultsDir: 'mine', pollMs: 20, signal: controller.signal, onWait: (holder) => waits.push(holder) });
    await new Promise((resolve) => setTimeout(resolve, 150));
    controller.abort(new Error('gave up'));
    await expect(taking).rejects.toThrow('gave up');
    expect(waits.map((holder) => holder.hostname)).toEqual(['another-machine']);
    expect(readOwner(cacheDir).token).toBe(held.token);
  });

  it('takes over a lock file that is not a lock at all', async () => {
    const cacheDir = cacheFolder();
    await acquireRunLock(cacheDir, { resultsDir: 'x' }).then((lock) => lock.release());
    writeFileSync(path.join(cacheDir, RUN_LOCK), '{"half":');
    const lock = await acquireRunLock(cacheDir, { resultsDir: 'mine', pollMs: 20 });
    expect(readOwner(cacheDir).token).toBe(lock.owner.token);
    lock.release();
  });
});
