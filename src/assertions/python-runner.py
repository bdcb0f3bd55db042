# Runs model-written Python and calls one of its functions on test inputs, for the `python`
# assertion (python.ts). Invoked as
#   python3 -I python-runner.py <solution.py> <request.json> <results.jsonl>
# request.json: {"functionNames": [...], "cases": [{"args": [...]}, ...]}
# results.jsonl, one JSON object a line, flushed as it goes so a timeout still shows progress:
#   {"function": name} | {"setup_error": kind, "message": text}
#   then per case: {"result": value} | {"raised": text} | {"unserializable": repr}
import ast
import copy
import json
import sys
import traceback


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


def main():
    solution_path, request_path, results_path = sys.argv[1:4]
    with open(request_path, encoding='utf-8') as handle:
        request = json.load(handle)
    with open(solution_path, encoding='utf-8') as handle:
        source = handle.read()
    out = open(results_path, 'w', encoding='utf-8')

    def emit(record):
        out.write(json.dumps(record) + '\n')
        out.flush()

    try:
        tree = ast.parse(source, filename='solution.py')
    except SyntaxError as error:
        line = (error.text or '').strip()
        emit({'setup_error': 'syntax', 'message': '%s (line %s): %s' % (error.msg, error.lineno, line)})
        return
    name, problem = choose_function(tree, request['functionNames'])
    if name is None:
        emit({'setup_error': 'function', 'message': problem})
        return
    # Not '__main__': an `if __name__ == "__main__":` demo block in the reply does not run.
    namespace = {'__name__': 'solution'}
    try:
        exec(compile(tree, 'solution.py', 'exec'), namespace)
    except BaseException:
        emit({'setup_error': 'load', 'message': tail(traceback.format_exc())})
        return
    emit({'function': name})
    function = namespace[name]
    for case in request['cases']:
        try:
            result = function(*copy.deepcopy(case['args']))
        except BaseException as error:
            emit({'raised': tail('%s: %s' % (type(error).__name__, error))})
            continue
        try:
            emit({'result': json.loads(json.dumps(result, allow_nan=False))})
        except (TypeError, ValueError):
            emit({'unserializable': tail(repr(result), 200)})


main()
