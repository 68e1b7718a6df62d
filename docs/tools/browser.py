"""A real visdom (or TensorBoard) server and a real headless Chromium, for tests and for the
screenshots in docs/.

Pages are checked the way a user sees them: the server is `python -m visdom.server` in its own
process (no shell), and the browser is Debian's `chromium` on PATH (.ci/install_browser.sh).
Both are kept off the internet, so a page that still needs a CDN fails here instead of on a
user's offline machine.
"""
import contextlib
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from util.errors import UserError

# A proxy nobody listens on: outbound HTTP fails at once, loopback traffic is unaffected.
DEAD_PROXY = 'http://127.0.0.1:9'
CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--no-first-run', '--hide-scrollbars',
                  f'--proxy-server={DEAD_PROXY}')


def free_port():
    """A localhost TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def http_get(url, timeout=10):
    """Fetch `url` without any proxy from the environment; returns (status, body bytes)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b''


@dataclass
class VisdomServer:
    """A running `python -m visdom.server` (or TensorBoard) on 127.0.0.1; the Python client reaches
    visdom with visdom.Visdom(server='http://127.0.0.1', port=server.port)."""
    port: int
    env_path: Path
    log_path: Path
    proc: subprocess.Popen
    name: str = 'visdom server'

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}'

    def log(self):
        return self.log_path.read_text(errors='replace')


@contextlib.contextmanager
def visdom_server(env_path, port=None, timeout=60.0, python=sys.executable):
    """Run a visdom server on a free localhost port for the `with` block, then stop it.

    It gets a dead proxy in its environment, so if any web asset is missing its start-up
    download fails (and the server dies) instead of quietly reaching a CDN. Its output goes to
    `<env_path>/visdom_server.log`; a server that dies or never answers raises with that log."""
    env_path = Path(env_path)
    env_path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = env_path / 'visdom_server.log'
    cmd = [python, '-m', 'visdom.server', '-port', str(port), '-env_path', str(env_path),
           '-bind_local']
    with _serving(cmd, VisdomServer(port, env_path, log_path, None), timeout) as server:
        yield server


@contextlib.contextmanager
def tensorboard_server(logdir, timeout=120.0, python=sys.executable):
    """Run `tensorboard --logdir <logdir>` on a free localhost port for the `with` block (its
    output in <logdir>/tensorboard_server.log), offline like visdom_server."""
    logdir = Path(logdir)
    port = free_port()
    cmd = [python, '-m', 'tensorboard.main', '--logdir', str(logdir), '--port', str(port), '--host', '127.0.0.1',
           '--load_fast', 'false']
    with _serving(cmd, VisdomServer(port, logdir, logdir / 'tensorboard_server.log', None, 'tensorboard'),
                  timeout) as server:
        yield server


@contextlib.contextmanager
def _serving(cmd, server, timeout):
    """Start `cmd` behind a dead proxy, wait until server.url answers, stop it after the block."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ('no_proxy', 'http_proxy',
                                                                     'https_proxy')}
    env.update(http_proxy=DEAD_PROXY, https_proxy=DEAD_PROXY,
               HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY)
    with open(server.log_path, 'wb') as log:
        server.proc = proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_up(server, timeout)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(server, timeout):
    """Poll the page until it answers 200; fail early, with the log, if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f'{server.name} exited with code {server.proc.returncode}:\n'
                               f'{server.log()}')
        try:
            if http_get(server.url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f'{server.name} on port {server.port} did not answer within {timeout}s:\n'
                       f'{server.log()}')


def find_chromium():
    """Path of Chromium on PATH (Debian calls it `chromium`, Ubuntu `chromium-browser`)."""
    return shutil.which('chromium') or shutil.which('chromium-browser')


def _as_url(target):
    """URLs pass through; a local path becomes a file:// URL."""
    text = str(target)
    return text if '://' in text else Path(text).resolve().as_uri()


def _run_chromium(args, timeout):
    """Run headless Chromium with a throw-away profile; returns its stdout text."""
    chromium = find_chromium()
    if chromium is None:
        raise UserError('chromium not found on PATH: run .ci/install_browser.sh '
                        '(Debian package `chromium`)')
    with tempfile.TemporaryDirectory(prefix='chromium-profile-') as profile:
        cmd = [chromium, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f'chromium did not finish within {timeout}s: {args[-1]}') from exc
    if proc.returncode != 0:
        tail = '\n'.join(proc.stderr.splitlines()[-5:])
        raise RuntimeError(f'chromium exited with code {proc.returncode}: {tail}')
    return proc.stdout


def _budget_flags(budget_ms):
    """Let the page's scripts run for `budget_ms` of virtual time before the snapshot.

    None turns it off: a page with <meta http-equiv="refresh"> never settles under a virtual
    time budget and comes back empty."""
    return [] if budget_ms is None else [f'--virtual-time-budget={int(budget_ms)}']


def dump_dom(target, budget_ms=5000, timeout=60):
    """The DOM of a URL or local HTML file after its scripts ran, as HTML text."""
    return _run_chromium([*_budget_flags(budget_ms), '--dump-dom', _as_url(target)], timeout)


def screenshot(target, out_path, size=(1280, 800), budget_ms=5000, timeout=60):
    """Save a PNG of a URL or local HTML file as the browser draws it; returns its path."""
    out_path = Path(out_path).resolve()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.unlink(missing_ok=True)
    _run_chromium([*_budget_flags(budget_ms), f'--window-size={size[0]},{size[1]}',
                   f'--screenshot={out_path}', _as_url(target)], timeout)
    if not out_path.is_file():
        raise RuntimeError(f'chromium wrote no screenshot to {out_path}')
    return out_path


# Appended to a copy of a page: after load, count the <img> that did not decode (naturalWidth 0).
_IMAGE_PROBE = ('<script>window.addEventListener("load", function () {'
                ' var bad = Array.prototype.filter.call(document.images, function (i) {'
                ' return !(i.complete && i.naturalWidth > 0); });'
                ' var out = document.createElement("pre"); out.id = "image-probe";'
                ' out.textContent = "images=" + document.images.length + " broken="'
                ' + JSON.stringify(bad.map(function (i) { return i.getAttribute("src"); }));'
                ' document.body.appendChild(out); });</script>')


def image_check(page_path, budget_ms=5000, timeout=60):
    """Load a local HTML page in Chromium as a user would and return (number of <img>, srcs of
    those that did not load). A probe copy of the page is written beside it (so relative links
    resolve the same) and removed afterwards."""
    page_path = Path(page_path)
    probe = page_path.with_name(f'.image_probe_{os.getpid()}.html')
    probe.write_text(page_path.read_text() + _IMAGE_PROBE)
    try:
        dom = dump_dom(probe, budget_ms=budget_ms, timeout=timeout)
    finally:
        probe.unlink(missing_ok=True)
    found = re.search(r'<pre id="image-probe">images=(\d+) broken=(.*?)</pre>', dom, re.S)
    if not found:
        raise RuntimeError(f'the image probe did not run on {page_path}')
    return int(found.group(1)), json.loads(html.unescape(found.group(2)))
