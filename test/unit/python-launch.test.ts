// How the python sandbox is launched: bubblewrap's arguments with and without root, and the
// macOS profile (which no CI here runs, so its text is pinned down here).
import { describe, expect, it } from 'vitest';
import { bubblewrapArguments, seatbeltProfile } from '../../src/assertions/python/launch.ts';

const PYENV = { executable: '/home/ada/.pyenv/versions/3.12.1/bin/python3', roots: ['/home/ada/.pyenv/versions/3.12.1', '/home/ada/.pyenv/versions/3.12.1/bin', '/usr/lib'] };

function pairsAfter(args: string[], flag: string): string[] {
  return args.flatMap((arg, index) => (arg === flag ? [args[index + 1] ?? ''] : []));
}

describe('bubblewrapArguments', () => {
  it('without root: a user namespace, no added capabilities', () => {
    const args = bubblewrapArguments(PYENV, false);
    expect(args).toContain('--unshare-user');
    expect(args).not.toContain('--cap-add');
    expect(args).toEqual(expect.arrayContaining(['--unshare-pid', '--unshare-net', '--unshare-ipc', '--die-with-parent', '--new-session', '--clearenv']));
  });

  it('as root: no user namespace, and only the capabilities that build namespaces and drop to nobody', () => {
    const args = bubblewrapArguments(PYENV, true);
    expect(args).not.toContain('--unshare-user');
    expect(args.slice(0, 2)).toEqual(['--cap-drop', 'ALL']);
    expect(pairsAfter(args, '--cap-add')).toEqual(['CAP_SYS_ADMIN', 'CAP_SETUID', 'CAP_SETGID']);
  });

  it("binds the interpreter's outermost folder read-only, under folders created traversable, and nothing else of home", () => {
    const args = bubblewrapArguments(PYENV, false);
    const bound = pairsAfter(args, '--ro-bind');
    expect(bound.filter((source) => source.startsWith('/home'))).toEqual(['/home/ada/.pyenv/versions/3.12.1']);
    expect(bound).toContain('/usr');
    expect(pairsAfter(args, '--dir')).toEqual(['/home', '/home/ada', '/home/ada/.pyenv', '/home/ada/.pyenv/versions']);
    expect(args.slice(-5)).toEqual(['/home/ada/.pyenv/versions/3.12.1/bin/python3', '-I', '-B', '/edge-evals/sandbox.py', 'namespaces']);
  });
});

describe('seatbeltProfile', () => {
  it('denies the network, reads of home and writes outside the temporary folder; later rules win', () => {
    const profile = seatbeltProfile(PYENV, '/Users/ada', '/private/var/folders/x/T').split('\n');
    expect(profile.slice(0, 3)).toEqual(['(version 1)', '(allow default)', '(deny network*)']);
    const denyHome = profile.indexOf('(deny file-read* (subpath "/Users/ada"))');
    const allowPython = profile.indexOf('(allow file-read* (subpath "/home/ada/.pyenv/versions/3.12.1"))');
    const denyWrites = profile.indexOf('(deny file-write* (require-not (literal "/dev/null")))');
    const allowTemporary = profile.indexOf('(allow file-read* file-write* (subpath "/private/var/folders/x/T"))');
    expect([denyHome, allowPython, denyWrites, allowTemporary].every((index) => index > 0)).toBe(true);
    expect(denyHome).toBeLessThan(allowPython);
    expect(denyWrites).toBeLessThan(allowTemporary);
  });
});
