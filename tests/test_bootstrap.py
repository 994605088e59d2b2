"""The fresh-machine set-up (scripts/bootstrap_odoo.py): where Odoo comes from and what it takes.

These run without Odoo; the full set-up itself is what `.ci/run` does on a machine without Odoo.
"""
import http.server
import importlib.util
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'scripts', 'bootstrap_odoo.py')
spec = importlib.util.spec_from_file_location('bootstrap_odoo', SCRIPT)
bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap)

RELEASE_19 = "version_info = (19, 0, 0, 'final', 0, '')\nserie = '19.0'\n"


def make_tree(top, release=RELEASE_19, modules=(('mrp', 'LGPL-3'), ('base_setup', 'LGPL-3'))):
    tree = os.path.join(top, 'odoo-19.0')
    os.makedirs(os.path.join(tree, 'odoo'))
    with open(os.path.join(tree, 'odoo', 'release.py'), 'w') as f:
        f.write(release)
    with open(os.path.join(tree, 'requirements.txt'), 'w') as f:
        f.write('polib==1.1.1\n')
    for name, licence in modules:
        os.makedirs(os.path.join(tree, 'addons', name))
        with open(os.path.join(tree, 'addons', name, '__manifest__.py'), 'w') as f:
            f.write(repr({'name': name, 'license': licence}))
    return tree


def make_archive(tree, path):
    with tarfile.open(path, 'w:xz' if path.endswith('.xz') else 'w:gz') as tar:
        tar.add(tree, arcname=os.path.basename(tree))
    return path


def test_a_community_19_tree_is_accepted(tmp_path):
    bootstrap.check_tree(make_tree(str(tmp_path)))


def test_another_release_is_refused(tmp_path):
    tree = make_tree(str(tmp_path), release="version_info = (18, 0, 0, 'final', 0, '')\nserie = '18.0'\n")
    with pytest.raises(bootstrap.BootstrapError, match='holds Odoo 18.0, but these addons need Odoo 19.0'):
        bootstrap.check_tree(tree)


@pytest.mark.parametrize('modules,named', [
    ((('mrp', 'LGPL-3'), ('web_enterprise', 'OEEL-1')), 'web_enterprise'),
    ((('mrp', 'LGPL-3'), ('quality_mrp_extra', 'OEEL-1')), 'quality_mrp_extra'),
    ((('mrp', 'LGPL-3'), ('mrp_workorder', 'LGPL-3')), 'mrp_workorder'),
])
def test_a_tree_with_enterprise_modules_is_refused(tmp_path, modules, named):
    tree = make_tree(str(tmp_path), modules=modules)
    with pytest.raises(bootstrap.BootstrapError, match='Enterprise or proprietary modules \\(%s' % named):
        bootstrap.check_tree(tree)


@pytest.mark.parametrize('suffix', ['.tar.xz', '.tar.gz'])
def test_source_from_an_archive_lands_in_the_environment(tmp_path, suffix):
    archive = make_archive(make_tree(str(tmp_path / 'src')), str(tmp_path / ('odoo' + suffix)))
    dest = str(tmp_path / 'venv' / 'src' / 'odoo-19.0')
    bootstrap.obtain_source(archive, dest)
    assert os.path.isfile(os.path.join(dest, 'odoo', 'release.py'))
    assert os.path.isfile(os.path.join(dest, 'addons', 'mrp', '__manifest__.py'))
    assert os.listdir(os.path.dirname(dest)) == ['odoo-19.0']  # no work folder left behind


def test_source_from_a_directory_is_copied_not_modified(tmp_path):
    tree = make_tree(str(tmp_path / 'src'))
    before = sorted(os.listdir(tree))
    dest = str(tmp_path / 'venv' / 'src' / 'odoo-19.0')
    bootstrap.obtain_source(str(tmp_path / 'src'), dest)  # the tree one level down is found
    assert os.path.isfile(os.path.join(dest, 'odoo', 'release.py'))
    assert sorted(os.listdir(tree)) == before


def test_enterprise_archive_installs_nothing(tmp_path):
    archive = make_archive(make_tree(str(tmp_path / 'src'), modules=(('mrp', 'LGPL-3'), ('x', 'OEEL-1'))),
                           str(tmp_path / 'odoo.tar.gz'))
    dest = str(tmp_path / 'venv' / 'src' / 'odoo-19.0')
    with pytest.raises(bootstrap.BootstrapError):
        bootstrap.obtain_source(archive, dest)
    assert not os.path.exists(dest)
    assert os.listdir(os.path.dirname(dest)) == []


def test_not_an_archive_is_explained(tmp_path):
    junk = tmp_path / 'odoo.tar.gz'
    junk.write_bytes(b'this is no archive')
    with pytest.raises(bootstrap.BootstrapError, match='not a readable .tar.gz / .tar.xz archive'):
        bootstrap.obtain_source(str(junk), str(tmp_path / 'venv' / 'src' / 'odoo-19.0'))


def test_archive_members_cannot_escape_the_target(tmp_path):
    archive = str(tmp_path / 'evil.tar.gz')
    tree = make_tree(str(tmp_path / 'src'))
    with tarfile.open(archive, 'w:gz') as tar:
        tar.add(tree, arcname='odoo-19.0')
        data = b'owned'
        info = tarfile.TarInfo('../../escaped.txt')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    bootstrap.obtain_source(archive, str(tmp_path / 'venv' / 'src' / 'odoo-19.0'))
    assert not (tmp_path / 'escaped.txt').exists()
    assert not (tmp_path / 'venv' / 'escaped.txt').exists()


ODOO_REQUIREMENTS = """\
cryptography==3.4.8; python_version < '3.12'  # incompatibility
cryptography==42.0.8 ; python_version >= '3.12'  # (Noble)
gevent==24.2.1 ; sys_platform != 'win32' and python_version >= '3.12' and python_version < '3.13'
gevent==24.11.1 ; sys_platform != 'win32' and python_version >= '3.13'  # (Trixie)
lxml-html-clean; python_version >= '3.12' # (Noble)
psycopg2==2.9.9 ; python_version >= '3.12' and python_version < '3.13' # (Noble)
python-ldap==3.4.4 ; sys_platform != 'win32' and python_version >= '3.12'
pypiwin32 ; sys_platform == 'win32'
pytz  # no version pinning
"""


def test_pins_are_odoos_python_312_line_with_wheels_only():
    markers = sorted({line.split('#', 1)[0].partition(';')[2].strip()
                      for line in ODOO_REQUIREMENTS.splitlines()} - {''})
    verdicts = bootstrap.evaluate_markers(sys.executable, markers)
    pins = bootstrap.pinned_requirements(ODOO_REQUIREMENTS, lambda m: verdicts[m])
    assert pins == ['cryptography==42.0.8', 'gevent==24.2.1', 'lxml-html-clean',
                    'psycopg2-binary==2.9.9', 'pytz']


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run_bootstrap(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if k != 'ODOO_SRC'}
    environ.update(env)
    return subprocess.run(
        [sys.executable, SCRIPT, '--venv', str(tmp_path / 'venv'),
         '--requirements', os.path.join(ROOT, 'requirements.txt')],
        env=environ, capture_output=True, text=True, timeout=120)


def test_offline_without_odoo_src_names_odoo_src(tmp_path):
    closed = 'http://127.0.0.1:%d/odoo_19.0.latest.tar.gz' % _free_port()
    result = run_bootstrap(tmp_path, MES_ODOO_URL=closed)
    assert result.returncode == 2
    assert 'Could not download Odoo 19.0 source' in result.stderr
    assert 'set ODOO_SRC' in result.stderr
    assert not (tmp_path / 'venv' / 'bin').exists()  # nothing half-installed


def test_wrong_odoo_src_is_refused_before_anything_is_installed(tmp_path):
    tree = make_tree(str(tmp_path / 'src'), release="version_info = (17, 0, 0, 'final', 0, '')\nserie = '17.0'\n")
    result = run_bootstrap(tmp_path, ODOO_SRC=tree)
    assert result.returncode == 2
    assert 'holds Odoo 17.0' in result.stderr
    assert not (tmp_path / 'venv' / 'bin').exists()


def test_download_shows_progress_and_checks_what_it_got(tmp_path, capsys, monkeypatch):
    served = tmp_path / 'served'
    served.mkdir()
    make_archive(make_tree(str(tmp_path / 'src')), str(served / 'odoo.tar.gz'))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv('MES_ODOO_URL', 'http://127.0.0.1:%d/odoo.tar.gz' % server.server_address[1])
    dest = str(tmp_path / 'venv' / 'src' / 'odoo-19.0')
    try:
        bootstrap.obtain_source(None, dest)
    finally:
        server.shutdown()
    assert os.path.isfile(os.path.join(dest, 'odoo', 'release.py'))
    err = capsys.readouterr().err
    assert 'downloading Odoo 19.0 community source from http://127.0.0.1' in err
    assert '[mes] download: 100 %' in err


def test_download_progress_is_reported(tmp_path, capsys):
    progress = bootstrap.Progress('download', 1000)
    for done in (0, 100, 550, 1000):
        progress.update(done)
    progress.finish()
    err = capsys.readouterr().err
    assert '[mes] download:   0 %' in err and '[mes] download: 100 %' in err
    assert '[mes] download done in' in err


def test_requirements_stamp_follows_included_files(tmp_path):
    (tmp_path / 'requirements.txt').write_text('asyncua==1.1.8\n')
    (tmp_path / 'test-requirements.txt').write_text('-r requirements.txt\npytest>=8\n')
    before = bootstrap.requirements_stamp([str(tmp_path / 'test-requirements.txt')])
    (tmp_path / 'requirements.txt').write_text('asyncua==1.1.9\n')
    after = bootstrap.requirements_stamp([str(tmp_path / 'test-requirements.txt')])
    assert before != after, 'a change in an included file must be installed again'
