# The warm parent of Python checks. python/sandbox.ts starts it once per test worker and sends it
# one check at a time; each check runs in a fresh child forked from here, so a check costs a few
# forks instead of an interpreter start-up, and no check sees another's state.
#
#   python -I -B sandbox.py <namespaces | process-group | spawn>
#
# stdin: one request a line: {"id", "code", "functionNames", "args", "timeoutMs", "limits"}
# stdout: first {"ready": true} or {"ready": false, "why": text}, then one reply a line:
#   {"id", "records", "status": {"exitCode": n} | {"signal": name} | null, "timedOut", "stderr", "outputBytes"}
#
# Isolation modes (docs/sandbox.md has the why):
# - namespaces (Linux, inside bubblewrap): per check a fresh PID, mount, IPC and UTS namespace
#   (the network one is bubblewrap's: shared, empty, no interface up), its own /proc, and an
#   empty tmpfs as working folder and HOME; the code runs without capabilities (as nobody when
#   the parent is root). Killing the namespace's init at the deadline kills the whole check.
# - process-group (POSIX without namespaces): a new session per check, killed as a group; a
#   temporary folder as working folder and HOME. A child that leaves the group survives.
# - spawn (no fork: Windows): a fresh interpreter per check; nothing but the deadline.
# In every mode: resource limits where the platform has them, an empty environment, stdin from
# /dev/null, and records on a channel separate from stdout/stderr, each line carrying a nonce
# drawn per check, so nothing the code prints can become a record.
import importlib.util
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import resource
except ImportError:
    resource = None  # Windows: no limits there (spawn mode)

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('edge_evals_runner', os.path.join(HERE, 'runner.py'))
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

STDERR_KEPT = 8192
RESULT_CHANNEL_LIMIT = 8_000_000
# After the check's status is known, how long its pipes may take to close.
PIPE_GRACE_SECONDS = 0.25
OPEN_FILES_LIMIT = 256  # the parent's own descriptors are all far below it
SANDBOX_UID = 65534  # nobody: who the code runs as when the parent is root
SANDBOX_USER_UID = 1000  # how the code sees itself in its own user namespace otherwise
PROBE = {'code': 'def probe():\n    return 1\n', 'functionNames': [], 'args': [[]], 'timeoutMs': 5000,
         'limits': {'cpuSeconds': 5, 'memoryBytes': 1 << 30, 'fileBytes': 1 << 20, 'processes': 16, 'tmpBytes': 1 << 20}}

if sys.platform.startswith('linux'):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
    CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
    MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
    PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 36, 38


def libc_call(name, *args):
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, '%s: %s' % (name, os.strerror(error)))


def write_file(path, text):
    with open(path, 'w') as handle:
        handle.write(text)


def map_own_ids(inner_uid):
    """In a user namespace this process just created: be `inner_uid` there, mapped to who we were."""
    uid, gid = os.getuid(), os.getgid()
    libc_call('unshare', CLONE_NEWUSER)
    write_file('/proc/self/setgroups', 'deny')
    write_file('/proc/self/uid_map', '%d %d 1' % (inner_uid, uid))
    write_file('/proc/self/gid_map', '%d %d 1' % (inner_uid, gid))


def set_limits(limits):
    wanted = [('RLIMIT_CPU', limits['cpuSeconds'], limits['cpuSeconds'] + 1), ('RLIMIT_AS', limits['memoryBytes'], None),
              ('RLIMIT_FSIZE', limits['fileBytes'], None), ('RLIMIT_NPROC', limits['processes'], None),
              ('RLIMIT_NOFILE', OPEN_FILES_LIMIT, None), ('RLIMIT_CORE', 0, None)]
    for name, soft, hard in wanted:
        if resource is not None and hasattr(resource, name):
            try:
                resource.setrlimit(getattr(resource, name), (soft, soft if hard is None else hard))
            except (ValueError, OSError):
                pass  # macOS refuses some (RLIMIT_AS); docs/sandbox.md says which hold where


def run_code(request, nonce, pipes, home, drop):
    """The check's own process: confine it, then load and call the code."""
    try:
        os.dup2(pipes.out_w, 1)
        os.dup2(pipes.err_w, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        # The channel moves to a descriptor no other code here expects and is not inherited.
        channel = random.randrange(64, 250)
        os.dup2(pipes.result_w, channel, inheritable=False)
        os.closerange(3, channel)
        os.closerange(channel + 1, OPEN_FILES_LIMIT)
        sys.stdin = open(os.devnull, encoding='utf-8')
        os.environ.clear()
        os.environ.update({'PATH': '/usr/bin:/bin', 'HOME': home, 'TMPDIR': home, 'LANG': 'C.UTF-8'})
        os.chdir(home)
        set_limits(request['limits'])
        drop()
        runner.run_check(request, runner.channel_writer(channel, nonce))
    except BaseException:
        import traceback
        os.write(2, traceback.format_exc().encode('utf-8', 'replace'))
        os._exit(70)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
    os._exit(0)


def wait_and_report(child, status_w):
    """As the check's init (or group leader): reap until the code's process ends, report its status."""
    while True:
        pid, status = os.wait()
        if pid == child:
            os.write(status_w, b'status %d\n' % status)
            return


class Pipes:
    def __init__(self):
        self.result_r, self.result_w = os.pipe()
        self.out_r, self.out_w = os.pipe()
        self.err_r, self.err_w = os.pipe()
        self.status_r, self.status_w = os.pipe()

    def close_child_ends(self):
        for fd in (self.result_w, self.out_w, self.err_w, self.status_w):
            os.close(fd)


def drop_namespaced(privileged):
    def drop():
        if privileged:
            os.setgroups([])
            os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
            os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
        else:
            # Its own user namespace: whatever capabilities it has there own nothing.
            map_own_ids(SANDBOX_USER_UID)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    return drop


def start_namespaced(request, nonce, pipes, home):
    first = os.fork()
    if first:
        return first
    try:
        privileged = os.getuid() == 0
        if not privileged:
            map_own_ids(0)
        # No network namespace per check: creating one costs ~4 ms, and the parent's own (from
        # bubblewrap) has no interface up; what a check binds there dies with its processes.
        libc_call('unshare', CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
        init = os.fork()
        if init == 0:
            os.close(pipes.status_r)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
            libc_call('mount', None, b'/', None, MS_REC | MS_PRIVATE, None)
            libc_call('mount', b'proc', b'/proc', b'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
            options = b'size=%d,mode=1777' % request['limits']['tmpBytes']
            libc_call('mount', b'tmpfs', home.encode(), b'tmpfs', MS_NOSUID | MS_NODEV, options)
            code = os.fork()
            if code == 0:
                run_code(request, nonce, pipes, home, drop_namespaced(privileged))
            wait_and_report(code, pipes.status_w)
            os._exit(0)  # the namespace's init: every process left in it dies now
        os.write(pipes.status_w, b'pid %d\n' % init)
    except BaseException as error:
        os.write(pipes.err_w, ('could not isolate the check: %s\n' % error).encode())
    os._exit(0)


def start_process_group(request, nonce, pipes, home):
    leader = os.fork()
    if leader:
        return leader
    try:
        os.setsid()
        if sys.platform.startswith('linux'):
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        code = os.fork()
        if code == 0:
            run_code(request, nonce, pipes, home, lambda: None)
        wait_and_report(code, pipes.status_w)
    finally:
        os.killpg(0, signal.SIGKILL)


def decode_status(status):
    if os.WIFSIGNALED(status):
        return {'signal': signal.Signals(os.WTERMSIG(status)).name}
    return {'exitCode': os.WEXITSTATUS(status)}


def parse_records(data, nonce):
    prefix = nonce.encode('ascii')
    records = []
    for line in data.split(b'\n'):
        if line.startswith(prefix):
            try:
                records.append(json.loads(line[len(prefix):]))
            except ValueError:
                pass  # cut short by a kill
    return records


class Collected:
    def __init__(self):
        self.result = b''
        self.stderr = b''
        self.output_bytes = 0
        self.status_lines = b''

    def take(self, kind, chunk):
        if kind == 'result':
            if len(self.result) < RESULT_CHANNEL_LIMIT:
                self.result += chunk
        elif kind == 'status':
            self.status_lines += chunk
        else:
            self.output_bytes += len(chunk)
            if kind == 'err':
                self.stderr = (self.stderr + chunk)[-STDERR_KEPT:]

    def status_field(self, name):
        for line in self.status_lines.split(b'\n'):
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                return int(parts[1])
        return None


def collect(pipes, deadline, kill):
    """Reads every pipe until all close, the status is in and its grace is over, or the deadline."""
    kinds = {pipes.result_r: 'result', pipes.out_r: 'out', pipes.err_r: 'err', pipes.status_r: 'status'}
    collected = Collected()
    timed_out = False
    stop_at = deadline
    while kinds:
        remaining = stop_at - time.monotonic()
        if remaining <= 0:
            if collected.status_field(b'status') is None and not timed_out:
                timed_out = True
                kill(collected)
                stop_at = time.monotonic() + PIPE_GRACE_SECONDS
                continue
            break
        ready, _, _ = select.select(list(kinds), [], [], remaining)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                collected.take(kinds[fd], chunk)
                if kinds[fd] == 'status' and collected.status_field(b'status') is not None:
                    stop_at = min(stop_at, time.monotonic() + PIPE_GRACE_SECONDS)
            else:
                os.close(fd)
                del kinds[fd]
    for fd in kinds:
        os.close(fd)
    return collected, timed_out


def run_forked(request, mode):
    nonce = os.urandom(16).hex()
    pipes = Pipes()
    home = '/tmp' if mode == 'namespaces' else tempfile.mkdtemp(prefix='edge-evals-check-')
    deadline = time.monotonic() + request['timeoutMs'] / 1000
    sys.stdout.flush()
    start = start_namespaced if mode == 'namespaces' else start_process_group
    child = start(request, nonce, pipes, home)
    pipes.close_child_ends()

    def kill(collected):
        try:
            if mode == 'namespaces':
                init = collected.status_field(b'pid')
                os.kill(init if init is not None else child, signal.SIGKILL)
            else:
                os.killpg(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    collected, timed_out = collect(pipes, deadline, kill)
    kill(collected)
    os.waitpid(child, 0)
    init = collected.status_field(b'pid')
    if init is not None:
        os.waitpid(init, 0)  # reparented to us, the subreaper, when its parent exited
    if mode != 'namespaces':
        shutil.rmtree(home, ignore_errors=True)
    status = collected.status_field(b'status')
    return reply(request, parse_records(collected.result, nonce), None if status is None else decode_status(status),
                 timed_out, collected.stderr, collected.output_bytes)


def run_spawned(request):
    nonce = os.urandom(16).hex()
    home = tempfile.mkdtemp(prefix='edge-evals-check-')
    environment = {'PATH': os.environ.get('PATH', ''), 'HOME': home, 'TMPDIR': home, 'TEMP': home, 'TMP': home,
                   'SYSTEMROOT': os.environ.get('SYSTEMROOT', '')}
    child = subprocess.Popen([sys.executable, '-I', '-B', os.path.join(HERE, 'runner.py')], cwd=home, env=environment,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    collected = Collected()

    def drain(stream, kind):
        for chunk in iter(lambda: stream.read1(65536), b''):
            collected.take(kind, chunk)
    readers = [threading.Thread(target=drain, args=(child.stdout, 'result')), threading.Thread(target=drain, args=(child.stderr, 'err'))]
    for thread in readers:
        thread.start()
    child.stdin.write(json.dumps({'nonce': nonce, 'request': request}).encode() + b'\n')
    child.stdin.close()
    timed_out = False
    try:
        child.wait(request['timeoutMs'] / 1000)
    except subprocess.TimeoutExpired:
        timed_out = True
        child.kill()
        child.wait()
    for thread in readers:
        thread.join(PIPE_GRACE_SECONDS)
    shutil.rmtree(home, ignore_errors=True)
    code = child.returncode
    status = {'signal': signal.Signals(-code).name} if code < 0 else {'exitCode': code}
    return reply(request, parse_records(collected.result, nonce), status, timed_out, collected.stderr, collected.output_bytes)


def reply(request, records, status, timed_out, stderr, output_bytes):
    return {'id': request.get('id'), 'records': records, 'status': status, 'timedOut': timed_out,
            'stderr': stderr.decode('utf-8', 'replace'), 'outputBytes': output_bytes}


def send(message):
    sys.stdout.buffer.write(json.dumps(message).encode('utf-8') + b'\n')
    sys.stdout.buffer.flush()


def probe(run):
    """One trivial check through the whole path: a sandbox that cannot run it is reported, not used."""
    outcome = run(dict(PROBE, id='probe'))
    if outcome['records'] == [{'function': 'probe'}, {'result': 1}]:
        return None
    detail = outcome['stderr'].strip().splitlines()
    return detail[-1] if detail else 'a trial check ended with %s' % json.dumps(outcome['status'])


def main():
    mode = sys.argv[1]
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith('linux'):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    run = run_spawned if mode == 'spawn' else (lambda request: run_forked(request, mode))
    why = probe(run)
    send({'ready': True} if why is None else {'ready': False, 'why': why})
    if why is not None:
        return
    for line in iter(sys.stdin.buffer.readline, b''):
        send(run(json.loads(line)))


if __name__ == '__main__':
    main()
