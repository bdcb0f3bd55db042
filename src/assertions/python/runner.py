# Runs beside the model's code, inside the sandbox (sandbox.py forks it there): compiles the
# code, picks the function to call and calls it on each case's arguments. Every outcome goes
# through `emit`, which writes to the result channel; nothing here reads or writes files.
# Records, in order:
#   {"function": name} | {"setup_error": "syntax" | "function" | "load", "message": text}
#   then per case: {"result": value} | {"raised": text} | {"unserializable": repr} | {"oversized": bytes}
# Where os.fork is missing (Windows), sandbox.py starts this file as its own process instead:
#   python -I runner.py   (stdin: {"nonce": ..., "request": {...}}; records on stdout)
import ast
import copy
import json
import linecache
import os
import sys
import traceback

FILENAME = 'solution.py'
# A result larger than this is not what any check expects; it is reported by its size only.
MAX_RESULT_BYTES = 1_000_000


def public_functions(tree):
    return [node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith('_')]


def called_names(function):
    return {node.func.id for node in ast.walk(function)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != function.name}


def choose_function(tree, candidates):
    functions = public_functions(tree)
    names = [function.name for function in functions]
    for candidate in candidates:
        if candidate in names:
            return candidate, None
    if len(names) == 1:
        return names[0], None
    # Helpers (merge, partition, swap) are called by the function the prompt asked for.
    called = set().union(*(called_names(function) for function in functions)) if functions else set()
    entry_points = [name for name in names if name not in called and name != 'main']
    if len(entry_points) == 1:
        return entry_points[0], None
    wanted = ', '.join(candidates) if candidates else 'a single function'
    found = ', '.join(names) if names else 'no top-level function'
    return None, 'expected %s; the code defines %s' % (wanted, found)


def tail(text, limit=600):
    return text if len(text) <= limit else '...' + text[-limit:]


def result_record(result):
    try:
        text = json.dumps(result, allow_nan=False)
    except (TypeError, ValueError):
        return {'unserializable': tail(repr(result), 200)}
    if len(text) > MAX_RESULT_BYTES:
        return {'oversized': len(text)}
    return {'result': json.loads(text)}


def run_check(request, emit):
    source = request['code']
    try:
        tree = ast.parse(source, filename=FILENAME)
    except SyntaxError as error:
        line = (error.text or '').strip()
        emit({'setup_error': 'syntax', 'message': '%s (line %s): %s' % (error.msg, error.lineno, line)})
        return
    name, problem = choose_function(tree, request['functionNames'])
    if name is None:
        emit({'setup_error': 'function', 'message': problem})
        return
    # The code is never written to disk; tracebacks still quote its lines.
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
    # Not '__main__': an `if __name__ == "__main__":` demo block in the reply does not run.
    namespace = {'__name__': 'solution'}
    try:
        exec(compile(tree, FILENAME, 'exec'), namespace)
    except BaseException:
        emit({'setup_error': 'load', 'message': tail(traceback.format_exc())})
        return
    emit({'function': name})
    function = namespace[name]
    for args in request['args']:
        try:
            result = function(*copy.deepcopy(args))
        except BaseException as error:
            emit({'raised': tail('%s: %s' % (type(error).__name__, error))})
            continue
        emit(result_record(result))


def channel_writer(fd, nonce):
    """Records on `fd`, each line prefixed with the nonce. Only the process that called this
    may report: a child the code forked that returns through the runner exits silently."""
    owner = os.getpid()
    prefix = nonce.encode('ascii')

    def emit(record):
        if os.getpid() != owner:
            os._exit(0)
        data = prefix + json.dumps(record).encode('utf-8') + b'\n'
        while data:
            data = data[os.write(fd, data):]
    return emit


def main():
    message = json.loads(sys.stdin.buffer.readline())
    sys.stdin = open(os.devnull, encoding='utf-8')
    # The records keep the original stdout; what the code prints goes to stderr.
    channel = os.dup(1)
    os.dup2(2, 1)
    run_check(message['request'], channel_writer(channel, message['nonce']))


if __name__ == '__main__':
    main()
