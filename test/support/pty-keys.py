"""Runs a command in a pseudo-terminal and types keys into it, one at a time, each once the
command waits for input (its output ends with the prompt). Prints the output, then a last line
`EXIT <code>`. For tests of interactive commands (edge-evals rate): python3's pty module, no
native addon.

usage: pty-keys.py <prompt> <keys> <command> [args...]
"""
import os
import pty
import select
import sys
import time

PROMPT = sys.argv[1].encode()
KEYS = sys.argv[2]
COMMAND = sys.argv[3:]
TIMEOUT = 30

pid, fd = pty.fork()
if pid == 0:
    os.execvp(COMMAND[0], COMMAND)

output = b''


def read(until=None, timeout=TIMEOUT):
    """Reads until `until` is true of the output, the command ends, or the timeout."""
    global output
    deadline = time.time() + timeout
    while time.time() < deadline:
        if until is not None and until():
            return True
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        output += data
    return False


answered = 0
for key in KEYS:
    # Each key answers one prompt: wait for the next one.
    if not read(until=lambda: output.count(PROMPT) > answered):
        break
    answered = output.count(PROMPT)
    os.write(fd, key.encode())
read(timeout=TIMEOUT)
_, status = os.waitpid(pid, 0)
sys.stdout.write(output.decode('utf-8', 'replace'))
sys.stdout.write('\nEXIT %d\n' % os.waitstatus_to_exitcode(status))
