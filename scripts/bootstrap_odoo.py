"""Install Odoo 19.0 community and this project's Python packages into a virtual environment.

Called by ``scripts/mes`` when no Python with Odoo 19 is at hand; runs on the machine's own
Python (3.10 to 3.12) with the standard library only.

    python3 scripts/bootstrap_odoo.py --venv .venv --requirements test-requirements.txt

Where Odoo comes from: ``ODOO_SRC`` (a directory holding an Odoo 19.0 tree, or a ``.tar.gz`` /
``.tar.xz`` of one) when set, otherwise Odoo's official 19.0 community source archive
(``MES_ODOO_URL`` overrides the address). The tree must be release 19.0 and hold no
enterprise module. It is copied to ``<venv>/src/odoo-19.0`` and installed editable; Odoo's
requirements are installed with the pins Odoo gives for Python 3.12, which have wheels for
Python 3.10 to 3.12 (``psycopg2`` as ``psycopg2-binary`` of the same version, and without
``python-ldap``, which only ``auth_ldap`` needs and which has no wheel).
"""
import argparse
import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

ODOO_URL = 'https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz'
SUPPORTED_PYTHONS = ((3, 10), (3, 11), (3, 12))
# Licences of Odoo S.A.'s proprietary modules (enterprise and a few community-tree extras).
PROPRIETARY_LICENCES = {'OEEL-1', 'OPL-1'}
ENTERPRISE_MARKERS = ('web_enterprise', 'mrp_workorder', 'quality_control', 'web_studio')
# Odoo's pins for this interpreter line have wheels from 3.10 to 3.12; older lines do not.
PIN_PYTHON = '3.12'
PIN_REPLACEMENTS = {'psycopg2': 'psycopg2-binary'}
PIN_DROPPED = {'python-ldap': 'only auth_ldap needs it, and it builds from source only'}


class BootstrapError(Exception):
    """A failure explained in words for the person running the set-up."""


def say(message):
    print('[mes] %s' % message, file=sys.stderr, flush=True)


class Progress:
    """Percentage progress on one line on a terminal, every 10 % otherwise."""

    def __init__(self, label, total):
        self.label, self.total = label, total
        self.tty = sys.stderr.isatty()
        self.shown = -1
        self.started = time.monotonic()

    def update(self, done):
        if not self.total:
            return
        percent = min(100, int(done * 100 / self.total))
        step = percent if self.tty else percent // 10 * 10
        if step == self.shown:
            return
        self.shown = step
        text = '[mes] %s: %3d %% (%s of %s)' % (self.label, percent, _size(done), _size(self.total))
        if self.tty:
            sys.stderr.write('\r' + text + ('\n' if percent >= 100 else ''))
        else:
            sys.stderr.write(text + '\n')
        sys.stderr.flush()

    def finish(self):
        self.update(self.total)
        say('%s done in %.0f s' % (self.label, time.monotonic() - self.started))


def _size(n):
    return '%.1f MB' % (n / 1e6)


# -- where the source comes from ------------------------------------------------------------

def download(url, dest):
    """Fetch ``url`` into ``dest`` with a progress display; a clear error when offline."""
    say('downloading Odoo 19.0 community source from %s' % url)
    try:
        response = urllib.request.urlopen(url, timeout=30)  # noqa: S310 (fixed https URL)
    except (urllib.error.URLError, OSError) as exc:
        raise BootstrapError(
            'Could not download Odoo 19.0 source from %s (%s).\n'
            'Without network access, set ODOO_SRC to an Odoo 19.0 community source tree or to a '
            '.tar.gz / .tar.xz of one, e.g. ODOO_SRC=/path/to/odoo-19.0-community.tar.xz make run'
            % (url, getattr(exc, 'reason', exc))) from exc
    total = int(response.headers.get('Content-Length') or 0)
    progress = Progress('download', total)
    done = 0
    with response, open(dest, 'wb') as out:
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            progress.update(done)
    if total and done != total:
        raise BootstrapError('The download of %s stopped after %s of %s; run again.'
                             % (url, _size(done), _size(total)))
    progress.finish()
    return dest


class _CountingReader:
    """A file wrapper that tells how far a streamed archive has been read."""

    def __init__(self, raw, progress):
        self.raw, self.progress, self.done = raw, progress, 0

    def read(self, size=-1):
        data = self.raw.read(size)
        self.done += len(data)
        self.progress.update(self.done)
        return data


def unpack(archive, dest):
    """Extract ``archive`` into ``dest`` with progress; refuses links and paths leaving it."""
    progress = Progress('unpacking %s' % os.path.basename(archive), os.path.getsize(archive))
    with open(archive, 'rb') as raw:
        reader = _CountingReader(raw, progress)
        try:
            with tarfile.open(fileobj=reader, mode='r|*') as tar:
                for member in tar:
                    name = os.path.normpath(member.name)
                    if name.startswith(('..', '/')) or member.issym() or member.islnk() \
                            or member.isdev():
                        continue  # Odoo's tree needs no links or devices; never follow them
                    if hasattr(tarfile, 'data_filter'):
                        tar.extract(member, dest, filter='data')
                    else:
                        tar.extract(member, dest)  # noqa: S202 (checked above)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BootstrapError('%s is not a readable .tar.gz / .tar.xz archive (%s).'
                                 % (archive, exc)) from exc
    progress.finish()


def find_tree(top):
    """The directory under ``top`` (itself or up to two levels down) that holds odoo/release.py."""
    for depth_dirs in (top,), _children(top), [g for c in _children(top) for g in _children(c)]:
        for path in depth_dirs:
            if os.path.isfile(os.path.join(path, 'odoo', 'release.py')):
                return path
    raise BootstrapError('No Odoo source tree (odoo/release.py) was found in %s.' % top)


def _children(path):
    try:
        return sorted(os.path.join(path, n) for n in os.listdir(path)
                      if os.path.isdir(os.path.join(path, n)))
    except OSError:
        return []


def odoo_version(tree):
    """``(version_info, serie)`` read from the tree's odoo/release.py without importing it."""
    namespace = {}
    with open(os.path.join(tree, 'odoo', 'release.py'), encoding='utf-8') as release:
        exec(compile(release.read(), 'release.py', 'exec'), namespace)  # noqa: S102 (Odoo's own file)
    return tuple(namespace.get('version_info', ())), namespace.get('serie', '')


def addon_dirs(tree):
    return [p for p in (os.path.join(tree, 'addons'), os.path.join(tree, 'odoo', 'addons'))
            if os.path.isdir(p)]


def enterprise_modules(tree):
    """Names of modules in the tree that are Odoo Enterprise or carry a proprietary licence."""
    found = []
    for addons in addon_dirs(tree):
        for name in sorted(os.listdir(addons)):
            manifest = os.path.join(addons, name, '__manifest__.py')
            if not os.path.isfile(manifest):
                continue
            if name in ENTERPRISE_MARKERS:
                found.append(name)
                continue
            try:
                with open(manifest, encoding='utf-8') as f:
                    data = ast.literal_eval(f.read())
            except (ValueError, SyntaxError, OSError):
                continue
            if data.get('license') in PROPRIETARY_LICENCES:
                found.append(name)
    return found


def check_tree(tree):
    version_info, serie = odoo_version(tree)
    if tuple(version_info[:2]) != (19, 0) or serie != '19.0':
        raise BootstrapError('%s holds Odoo %s, but these addons need Odoo 19.0.'
                             % (tree, serie or '.'.join(map(str, version_info[:2])) or '?'))
    enterprise = enterprise_modules(tree)
    if enterprise:
        raise BootstrapError(
            '%s holds Odoo Enterprise or proprietary modules (%s%s); this project runs on Odoo '
            '19.0 community only. Use a community source tree.'
            % (tree, ', '.join(enterprise[:5]), ', ...' if len(enterprise) > 5 else ''))
    if not any(os.path.isdir(os.path.join(a, 'mrp')) for a in addon_dirs(tree)):
        raise BootstrapError('%s has no addons/mrp: it is not a complete Odoo 19.0 community tree.'
                             % tree)


def obtain_source(src, dest):
    """Put a checked Odoo 19.0 community tree at ``dest`` from ``src`` (dir, archive or None)."""
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.odoo-src-', dir=parent) as work:
        if src and os.path.isdir(src):
            tree = find_tree(src)
            check_tree(tree)
            say('copying the Odoo tree from %s' % tree)
            staged = os.path.join(work, 'tree')
            shutil.copytree(tree, staged, symlinks=False,
                            ignore=shutil.ignore_patterns('.git', '__pycache__', '*.pyc'))
        else:
            if src:
                if not os.path.isfile(src):
                    raise BootstrapError('ODOO_SRC=%s is neither a directory nor an archive file.'
                                         % src)
                archive = src
            else:
                archive = download(os.environ.get('MES_ODOO_URL', ODOO_URL),
                                   os.path.join(work, 'odoo-19.0.tar.gz'))
            unpack(archive, os.path.join(work, 'unpacked'))
            staged = find_tree(os.path.join(work, 'unpacked'))
            check_tree(staged)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.rename(staged, dest)
    return dest


# -- Python packages ------------------------------------------------------------------------

def pinned_requirements(requirements_text, marker_evaluate):
    """Odoo's requirement lines as pins for ``PIN_PYTHON``.

    ``marker_evaluate(marker_text)`` says whether an environment marker holds for that Python
    line; lines are returned as ``name==version`` strings, replaced or dropped as documented.
    """
    pins = []
    for raw in requirements_text.splitlines():
        line = raw.split('#', 1)[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(';')
        spec, marker = spec.strip(), marker.strip()
        if marker and not marker_evaluate(marker):
            continue
        name = re.split(r'[<>=!~\[ ]', spec, maxsplit=1)[0]
        key = name.lower()
        if key in PIN_DROPPED:
            continue
        if key in PIN_REPLACEMENTS:
            spec = PIN_REPLACEMENTS[key] + spec[len(name):]
        pins.append(spec)
    return pins


MARKER_EVAL = r'''
import json, sys
from pip._vendor.packaging.markers import Marker
env = {"python_version": sys.argv[1], "python_full_version": sys.argv[1] + ".0"}
print(json.dumps([Marker(m).evaluate(env) for m in json.loads(sys.stdin.read())]))
'''


def evaluate_markers(python, markers):
    """Evaluate markers with pip's own marker parser, pretending ``PIN_PYTHON``."""
    import json
    out = subprocess.run([python, '-c', MARKER_EVAL, PIN_PYTHON], input=json.dumps(markers),
                         capture_output=True, text=True, check=True).stdout
    return dict(zip(markers, json.loads(out)))


def pip(python, args, label):
    say('%s (pip prints each package as it goes)' % label)
    started = time.monotonic()
    cmd = [python, '-m', 'pip', 'install', '--disable-pip-version-check', '--prefer-binary',
           '--progress-bar', 'on' if sys.stderr.isatty() else 'off', *args]
    if subprocess.run(cmd).returncode:
        raise BootstrapError('pip could not %s (command: %s).' % (label, ' '.join(cmd)))
    say('%s done in %.0f s' % (label, time.monotonic() - started))


def requirements_stamp(paths):
    """One digest of the requirement files and the files they include (``-r``), so that a
    changed file is installed again."""
    digest = hashlib.sha256()
    seen = set()
    todo = list(paths)
    while todo:
        path = os.path.abspath(todo.pop(0))
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        with open(path, 'rb') as f:
            content = f.read()
        digest.update(content)
        for line in content.decode('utf-8', 'replace').splitlines():
            parts = line.split('#', 1)[0].split()
            if len(parts) == 2 and parts[0] in ('-r', '--requirement'):
                todo.append(os.path.join(os.path.dirname(path), parts[1]))
    return digest.hexdigest()


def choose_base_python():
    """This interpreter when it is 3.10 to 3.12, else the first such ``python3.X`` on PATH."""
    if sys.version_info[:2] in SUPPORTED_PYTHONS:
        return sys.executable
    for major, minor in reversed(SUPPORTED_PYTHONS):
        found = shutil.which('python%d.%d' % (major, minor))
        if found:
            return found
    raise BootstrapError(
        'Python %d.%d cannot run Odoo 19 with wheels only; install Python 3.10, 3.11 or 3.12 '
        '(e.g. apt-get install python3) and run again.' % sys.version_info[:2])


def create_venv(venv):
    base = choose_base_python()
    say('creating the virtual environment %s with %s' % (venv, base))
    result = subprocess.run([base, '-m', 'venv', venv], capture_output=True, text=True)
    if result.returncode:
        raise BootstrapError(
            'Could not create a virtual environment (%s). On Debian/Ubuntu: apt-get install '
            'python3-venv.' % result.stderr.strip().splitlines()[-1:])
    return os.path.join(venv, 'bin', 'python')


def install(venv, requirements, src):
    started = time.monotonic()
    python = os.path.join(venv, 'bin', 'python')
    tree = os.path.join(venv, 'src', 'odoo-19.0')
    # the source first: a missing or wrong tree fails before anything is installed
    if not os.path.isfile(os.path.join(tree, 'odoo', 'release.py')):
        obtain_source(src, tree)
    if not os.path.isfile(python):
        python = create_venv(venv)
    with open(os.path.join(tree, 'requirements.txt'), encoding='utf-8') as f:
        text = f.read()
    markers = sorted({line.split('#', 1)[0].partition(';')[2].strip()
                      for line in text.splitlines()} - {''})
    verdicts = evaluate_markers(python, markers)
    pins = pinned_requirements(text, lambda m: verdicts[m])
    pins_file = os.path.join(venv, 'odoo-requirements.txt')
    with open(pins_file, 'w', encoding='utf-8') as f:
        f.write('\n'.join(pins) + '\n')
    say('Odoo 19.0 needs %d Python packages (pins for Python %s; left out: %s)'
        % (len(pins), PIN_PYTHON, ', '.join('%s: %s' % kv for kv in PIN_DROPPED.items())))
    pip(python, ['-r', pins_file], "install Odoo's Python packages")
    # compat mode: a plain path entry, so that odoo.addons.__path__ holds only folders
    pip(python, ['--no-deps', '--config-settings', 'editable_mode=compat', '-e', tree],
        'install Odoo 19.0 itself')
    install_requirements(venv, requirements, pins_file)
    say('Odoo 19.0 is installed in %s (%.0f s)' % (venv, time.monotonic() - started))


def install_requirements(venv, requirements, pins_file=None):
    """Our own packages, constrained by Odoo's pins so that none of Odoo's moves."""
    python = os.path.join(venv, 'bin', 'python')
    pins_file = pins_file or os.path.join(venv, 'odoo-requirements.txt')
    args = [arg for path in requirements for arg in ('-r', path)]
    pip(python, args + ['-c', pins_file], "install this project's packages (%s)"
        % ', '.join(os.path.basename(p) for p in requirements))
    with open(os.path.join(venv, '.mes-requirements'), 'w', encoding='utf-8') as f:
        f.write(requirements_stamp(requirements))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--venv', required=True)
    parser.add_argument('--requirements', required=True, action='append',
                        help='a requirements file to install (repeatable)')
    parser.add_argument('--print-stamp', action='store_true',
                        help='print the digest of the requirement files and stop')
    parser.add_argument('--only-requirements', action='store_true',
                        help='the environment has Odoo: just bring requirements.txt up to date')
    args = parser.parse_args(argv)
    venv = os.path.abspath(args.venv)
    requirements = [os.path.abspath(p) for p in args.requirements]
    if args.print_stamp:
        print(requirements_stamp(requirements))
        return 0
    try:
        if args.only_requirements:
            install_requirements(venv, requirements)
        else:
            install(venv, requirements, os.environ.get('ODOO_SRC') or None)
    except BootstrapError as exc:
        say('ERROR: %s' % exc)
        return 2
    except KeyboardInterrupt:
        say('interrupted; run again to continue')
        return 130
    return 0


if __name__ == '__main__':
    sys.exit(main())
