// How this machine starts the warm parent of Python checks (sandbox.py), best isolation first:
// Linux under bubblewrap (namespaces), macOS under sandbox-exec, else unsandboxed with the
// reason said. docs/sandbox.md compares the mechanisms and explains the choice.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from '../../util/which.ts';

export const SANDBOX_SCRIPT = fileURLToPath(new URL('./sandbox.py', import.meta.url));
export const RUNNER_SCRIPT = fileURLToPath(new URL('./runner.py', import.meta.url));
/** Where the two scripts appear inside bubblewrap. */
const MOUNTED_SCRIPTS = '/edge-evals';

/** How the parent isolates each check; sandbox.py implements each. */
export type IsolationMode = 'namespaces' | 'process-group' | 'spawn';

/** What the check's reason says about isolation: nothing when complete. */
export type Isolation = { level: 'sandboxed' } | { level: 'partly sandboxed' | 'not sandboxed'; why: string };

export interface Interpreter {
  executable: string;
  /** Folders the interpreter, its standard library and its site-packages live in. */
  roots: string[];
}

export interface Launch {
  /** What isolates the code, for reasons: bubblewrap, sandbox-exec, or none. */
  mechanism: string;
  command: string;
  args: string[];
  mode: IsolationMode;
  isolation: Isolation;
}

const LINKED_TOP_FOLDERS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const LOADER_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/localtime'];

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The top-level folders beside /usr: symlinks on merged-/usr systems, real folders elsewhere. */
function topFolderArguments(): string[] {
  return LINKED_TOP_FOLDERS.flatMap((folder) => {
    try {
      const stat = lstatSync(folder);
      if (stat.isSymbolicLink()) return ['--symlink', readlinkSync(folder), folder];
      return stat.isDirectory() ? ['--ro-bind', folder, folder] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The folders above a bound one, created traversable: bubblewrap would copy the host's modes,
 * and the code (nobody, when we are root) could not reach an interpreter under /root.
 */
function ancestorArguments(folder: string): string[] {
  const ancestors: string[] = [];
  for (let parent = path.dirname(folder); parent !== path.dirname(parent); parent = path.dirname(parent)) ancestors.unshift(parent);
  return ancestors.flatMap((ancestor) => ['--perms', '0755', '--dir', ancestor]);
}

/**
 * bubblewrap: a read-only view of /usr, the loader's files and the interpreter's own folders; a
 * fresh /proc, /dev and /tmp; no network, no environment. As root the parent keeps just the
 * capabilities it needs to build each check's namespaces and to run the code as nobody (without
 * a user namespace: as root, only a real change of user makes the process-count limit hold).
 */
export function bubblewrapArguments(interpreter: Interpreter, asRoot: boolean): string[] {
  const namespaces = asRoot
    ? ['--cap-drop', 'ALL', '--cap-add', 'CAP_SYS_ADMIN', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID']
    : ['--unshare-user'];
  const outermost = interpreter.roots.filter((root) => !interpreter.roots.some((other) => other !== root && isInside(root, other)));
  const roots = outermost.filter((root) => !isInside(root, '/usr'));
  return [
    ...namespaces,
    ...['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'],
    ...['--die-with-parent', '--new-session', '--clearenv', '--setenv', 'PATH', '/usr/bin:/bin', '--setenv', 'LANG', 'C.UTF-8'],
    ...['--ro-bind', '/usr', '/usr'],
    ...topFolderArguments(),
    ...LOADER_FILES.flatMap((file) => ['--ro-bind-try', file, file]),
    ...roots.flatMap((root) => [...ancestorArguments(root), '--ro-bind', root, root]),
    ...['--ro-bind', SANDBOX_SCRIPT, `${MOUNTED_SCRIPTS}/sandbox.py`, '--ro-bind', RUNNER_SCRIPT, `${MOUNTED_SCRIPTS}/runner.py`],
    ...['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--remount-ro', '/', '--chdir', '/tmp'],
    interpreter.executable,
    ...['-I', '-B', `${MOUNTED_SCRIPTS}/sandbox.py`, 'namespaces'],
  ];
}

function sbplString(text: string): string {
  return JSON.stringify(text);
}

/**
 * sandbox-exec (macOS): everything the user may do, except the network, writing outside the
 * temporary folder (where each check gets its own), and reading the home folder (the
 * interpreter's folders excepted). In SBPL the last matching rule wins.
 */
export function seatbeltProfile(interpreter: Interpreter, home: string, temporary: string): string {
  return [
    '(version 1)',
    '(allow default)',
    '(deny network*)',
    `(deny file-read* (subpath ${sbplString(home)}))`,
    ...interpreter.roots.map((root) => `(allow file-read* (subpath ${sbplString(root)}))`),
    '(deny file-write* (require-not (literal "/dev/null")))',
    `(allow file-read* file-write* (subpath ${sbplString(temporary)}))`,
  ].join('\n');
}

function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return folder;
  }
}

/**
 * The launch that gives the strongest isolation this platform has; `temporary` is where the
 * checks' folders go without namespaces. The caller falls back to `unsandboxedLaunch` when the
 * sandboxed parent fails to start (its first act is a trial check).
 */
export function preferredLaunch(interpreter: Interpreter, temporary: string, home: string): Launch {
  if (process.platform === 'linux') {
    const bubblewrap = findExecutable('bwrap');
    if (bubblewrap === null) {
      return unsandboxedLaunch(interpreter, 'bubblewrap (bwrap) is not installed; install the bubblewrap package');
    }
    const asRoot = process.getuid?.() === 0;
    return { mechanism: 'bubblewrap', command: bubblewrap, args: bubblewrapArguments(interpreter, asRoot), mode: 'namespaces', isolation: { level: 'sandboxed' } };
  }
  if (process.platform === 'darwin') {
    const seatbelt = findExecutable('sandbox-exec');
    if (seatbelt === null) return unsandboxedLaunch(interpreter, 'sandbox-exec is not available');
    const profile = seatbeltProfile({ ...interpreter, roots: interpreter.roots.map(realFolder) }, realFolder(home), realFolder(temporary));
    return {
      mechanism: 'sandbox-exec',
      command: seatbelt,
      args: ['-p', profile, interpreter.executable, '-I', '-B', SANDBOX_SCRIPT, 'process-group'],
      mode: 'process-group',
      isolation: { level: 'partly sandboxed', why: 'macOS sandbox-exec limits files and network, but a child process that leaves its process group outlives the check' },
    };
  }
  return unsandboxedLaunch(interpreter, `${process.platform} has no sandbox edge-evals can use; the code runs as you, stopped at its deadline`);
}

export function unsandboxedLaunch(interpreter: Interpreter, why: string): Launch {
  const mode: IsolationMode = process.platform === 'win32' ? 'spawn' : 'process-group';
  return { mechanism: 'none', command: interpreter.executable, args: ['-I', '-B', SANDBOX_SCRIPT, mode], mode, isolation: { level: 'not sandboxed', why } };
}
