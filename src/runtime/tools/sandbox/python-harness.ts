/**
 * The Python side of a sandbox worker: runs a tool (or a script) with captured stdout/stderr and
 * derives a tool's JSON schema from its signature and Google-style docstring with `ast`, as Letta
 * does. Between two runs the worker's state is reset: fresh globals, `os.environ` set to the
 * call's variables only, modules imported by the previous run dropped. (What a run can still
 * leave behind, e.g. an attribute set on a standard module or a file, stays within one
 * organization: the pool never gives a worker to another one.)
 *
 * Network: `urllib.request` is a small module of our own whose `urlopen` goes through the host's
 * fetch bridge (the real one needs sockets, which stay blocked); `Request`, `HTTPError` and
 * `URLError` behave as in the standard library for ordinary use.
 */
/**
 * Modules imported once a worker has booted, before the lockdown (and before a snapshot is
 * taken, so restored workers have them at no cost): what the harness's `urllib.request` needs and
 * what tools commonly import. They count as the worker's base modules (kept between runs).
 */
export const PYTHON_PRELOAD =
  'import types, base64, email.message, urllib, urllib.error, urllib.parse, datetime, math, random, collections, typing, functools, itertools, string';

export const PYTHON_HARNESS = String.raw`
import ast as _ast, re as _re, builtins as _builtins, io as _io, json as _json, os as _os, sys as _sys, traceback as _tb

_BLOCKED = {'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'pyodide_http', 'micropip',
            'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'multiprocessing', 'socket', '_socket',
            'ssl', '_ssl', 'select', 'webbrowser'}

class _LettaImportBlock:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in _BLOCKED:
            raise ImportError(f"module '{name}' is not available in the tool sandbox")
        return None

_BASE = None
_URLREQ = None

def _letta_urllib(host_fetch):
    import types, base64, email.message, urllib, urllib.error, urllib.parse
    mod = types.ModuleType('urllib.request')
    mod.__doc__ = 'urlopen through the tool sandbox fetch bridge (hosts the operator allows only)'
    HTTPError, URLError = urllib.error.HTTPError, urllib.error.URLError

    class Request:
        def __init__(self, url, data=None, headers={}, origin_req_host=None, unverifiable=False, method=None):
            self.full_url = url
            self.data = data
            self.headers = {k.capitalize(): v for k, v in dict(headers).items()}
            self.method = method
        def get_method(self):
            return self.method or ('POST' if self.data is not None else 'GET')
        def add_header(self, key, val):
            self.headers[key.capitalize()] = val
        def has_header(self, key):
            return key.capitalize() in self.headers
        def get_header(self, key, default=None):
            return self.headers.get(key.capitalize(), default)
        def header_items(self):
            return list(self.headers.items())
        def get_full_url(self):
            return self.full_url

    class Response(_io.BytesIO):
        def __init__(self, url, status, reason, headers, body):
            super().__init__(body)
            self.url, self.status, self.code, self.reason = url, status, status, reason
            self.headers = email.message.Message()
            for k, v in headers.items():
                self.headers[k] = v
            self.msg = self.headers
        def getcode(self):
            return self.status
        def geturl(self):
            return self.url
        def info(self):
            return self.headers
        def getheader(self, name, default=None):
            return self.headers.get(name, default)
        def getheaders(self):
            return list(self.headers.items())

    def urlopen(url, data=None, timeout=None, **_ignored):
        req = url if isinstance(url, Request) else Request(str(url), data)
        body = data if data is not None else req.data
        if isinstance(body, str):
            body = body.encode()
        payload = {'url': req.full_url, 'method': req.get_method(), 'headers': dict(req.header_items()),
                   'body': None if body is None else base64.b64encode(bytes(body)).decode(), 'encoding': 'base64'}
        answer = _json.loads(str(host_fetch(_json.dumps(payload))))
        if 'error' in answer:
            raise URLError(answer['error'])
        resp = Response(req.full_url, answer['status'], answer.get('statusText', ''), answer.get('headers', {}),
                        base64.b64decode(answer.get('body', '')))
        if answer['status'] >= 400:
            raise HTTPError(req.full_url, answer['status'], resp.reason or 'HTTP error', resp.headers, resp)
        return resp

    mod.Request, mod.urlopen, mod.HTTPError, mod.URLError = Request, urlopen, HTTPError, URLError
    mod.quote, mod.unquote, mod.urlencode = urllib.parse.quote, urllib.parse.unquote, urllib.parse.urlencode
    return mod

def _letta_install_urllib():
    import urllib
    _sys.modules['urllib.request'] = _URLREQ
    urllib.request = _URLREQ

def _letta_lockdown(host_fetch):
    global _BASE, _URLREQ
    _URLREQ = _letta_urllib(host_fetch)
    _letta_install_urllib()
    for k in list(_sys.modules):
        if k.split('.')[0] in _BLOCKED:
            del _sys.modules[k]
    _sys.meta_path.insert(0, _LettaImportBlock())
    for fn in ('system', 'popen', 'execv', 'execve', 'fork', 'spawnv', 'kill'):
        if hasattr(_os, fn):
            delattr(_os, fn)
    _BASE = set(_sys.modules)

def _cut(text, limit):
    return text if len(text) <= limit else text[:limit] + f"... [truncated {len(text) - limit} characters]"

def _serialise(value):
    if value is None or isinstance(value, str):
        return value
    try:
        return _json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        raise TypeError(f"the tool returned a value of type {type(value).__name__}, which cannot be serialised (return a str, number, bool, list or dict)")

def _letta_run(source, entry, args_json, env_json, limit):
    out, err = _io.StringIO(), _io.StringIO()
    saved = (_sys.stdout, _sys.stderr, list(_sys.path))
    _letta_install_urllib()
    _os.environ.clear()
    _os.environ.update(_json.loads(env_json))
    ns = {'__name__': '__main__', '__builtins__': _builtins}
    status, result = 'success', None
    _sys.stdout, _sys.stderr = out, err
    try:
        exec(compile(source, '<tool>', 'exec'), ns)
        if entry is not None:
            fn = ns.get(entry)
            if not callable(fn):
                raise NameError(f"the tool source defines no function '{entry}'")
            result = _serialise(fn(**_json.loads(args_json)))
    except BaseException as e:
        status = 'error'
        result = f"{type(e).__name__}: {e}"
        try:
            err.write(''.join(_tb.format_exception(e)))
        except BaseException:
            pass
    finally:
        _sys.stdout, _sys.stderr = saved[0], saved[1]
        _sys.path[:] = saved[2]
        for k in list(_sys.modules):
            if k not in _BASE:
                del _sys.modules[k]
    if isinstance(result, str):
        result = _cut(result, limit)
    return _json.dumps({'status': status, 'result': result,
                        'stdout': _cut(out.getvalue(), limit), 'stderr': _cut(err.getvalue(), limit)})

_TYPES = {'str': 'string', 'int': 'integer', 'float': 'number', 'bool': 'boolean',
          'list': 'array', 'List': 'array', 'tuple': 'array', 'Tuple': 'array', 'set': 'array',
          'dict': 'object', 'Dict': 'object', 'Any': None, 'object': None}

def _type_schema(node):
    if node is None:
        return {}
    if isinstance(node, _ast.Constant) and isinstance(node.value, str):
        node = _ast.parse(node.value, mode='eval').body
    if isinstance(node, _ast.Constant) and node.value is None:
        return {'type': 'null'}
    if isinstance(node, _ast.BinOp) and isinstance(node.op, _ast.BitOr):
        parts = [p for p in (_type_schema(node.left), _type_schema(node.right)) if p.get('type') != 'null']
        return parts[0] if len(parts) == 1 else {'anyOf': parts}
    if isinstance(node, (_ast.Name, _ast.Attribute)):
        name = node.id if isinstance(node, _ast.Name) else node.attr
        t = _TYPES.get(name)
        return {'type': t} if t else {}
    if isinstance(node, _ast.Subscript):
        base = node.value.id if isinstance(node.value, _ast.Name) else getattr(node.value, 'attr', '')
        args = node.slice.elts if isinstance(node.slice, _ast.Tuple) else [node.slice]
        if base == 'Optional':
            return _type_schema(args[0])
        if base == 'Union':
            parts = [p for p in map(_type_schema, args) if p.get('type') != 'null']
            return parts[0] if len(parts) == 1 else {'anyOf': parts}
        if base == 'Literal':
            return {'type': 'string' if all(isinstance(a, _ast.Constant) and isinstance(a.value, str) for a in args) else 'integer',
                    'enum': [a.value for a in args if isinstance(a, _ast.Constant)]}
        t = _TYPES.get(base)
        if t == 'array':
            return {'type': 'array', 'items': _type_schema(args[0])}
        if t == 'object':
            return {'type': 'object'}
    return {}

def _parse_docstring(doc):
    lines = (doc or '').expandtabs().splitlines()
    desc, params, section, current, base_indent = [], {}, None, None, None
    for raw in lines:
        line = raw.strip()
        if line in ('Args:', 'Arguments:', 'Parameters:'):
            section = 'args'; current = None; continue
        if line.endswith(':') and line[:-1] in ('Returns', 'Return', 'Raises', 'Yields', 'Example', 'Examples', 'Note', 'Notes'):
            section = 'other'; continue
        if section is None:
            desc.append(line)
        elif section == 'args' and line:
            indent = len(raw) - len(raw.lstrip())
            m = _re.match(r'^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$', line)
            if m and (base_indent is None or indent <= base_indent):
                base_indent = indent
                current = m.group(1).lstrip('*')
                params[current] = m.group(3).strip()
            elif current is not None:
                params[current] = (params[current] + ' ' + line).strip()
    return ' '.join(' '.join(desc).split()).strip(), params

def _letta_schema(source):
    try:
        tree = _ast.parse(source)
    except SyntaxError as e:
        return _json.dumps({'error': f"line {e.lineno}: {e.msg}"})
    fns = [n for n in tree.body if isinstance(n, (_ast.FunctionDef, _ast.AsyncFunctionDef))]
    if not fns:
        return _json.dumps({'error': 'the source defines no top-level function'})
    fn = fns[-1]
    if isinstance(fn, _ast.AsyncFunctionDef):
        return _json.dumps({'error': f"line {fn.lineno}: async tools are not supported"})
    description, docs = _parse_docstring(_ast.get_docstring(fn))
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
    props, required = {}, []
    for arg, default in pairs:
        if arg.arg in ('self', 'agent_state'):
            continue
        prop = _type_schema(arg.annotation)
        if arg.arg in docs and docs[arg.arg]:
            prop['description'] = docs[arg.arg]
        if default is None:
            required.append(arg.arg)
        elif isinstance(default, _ast.Constant):
            prop['default'] = default.value
        props[arg.arg] = prop
    return _json.dumps({'name': fn.name, 'description': description,
                        'parameters': {'type': 'object', 'properties': props, 'required': required}})
`;
