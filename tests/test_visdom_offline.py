"""visdom works with no internet once scripts/install_visdom_assets.py ran: the real server starts,
serves every asset its page names, keeps what the Python API pushes, and a real browser draws it."""
import html.parser
import json
import re
import urllib.parse

import numpy as np
import pytest

from docs.tools import browser
from scripts import install_visdom_assets

visdom = pytest.importorskip('visdom')
ENV = 'offline_test'


class _AssetLinks(html.parser.HTMLParser):
    """Collects the src/href of <script> and <link> tags (comments are skipped by the parser)."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ('script', 'link') and (attrs.get('src') or attrs.get('href')):
            self.links.append(attrs.get('src') or attrs['href'])


def asset_urls(page_url, page_html):
    """Absolute URLs of the page's scripts and style sheets, and of the fonts those sheets load."""
    parser = _AssetLinks()
    parser.feed(page_html)
    urls = [urllib.parse.urljoin(page_url, link) for link in parser.links]
    for css in [u for u in urls if urllib.parse.urlsplit(u).path.endswith('.css')]:
        status, body = browser.http_get(css)
        for ref in re.findall(r'url\(["\']?([^"\')]+)', body.decode('utf-8', 'replace')):
            if not ref.startswith('data:'):
                urls.append(urllib.parse.urljoin(css, ref.split('#')[0].split('?')[0]))
    return sorted(set(urls))


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """A real visdom server, after checking the installer left nothing for it to download."""
    static_dir, version = install_visdom_assets.visdom_static_dir()
    missing = install_visdom_assets.missing_files(static_dir, version)
    assert not missing, (f'visdom assets missing in {static_dir}: {missing[:3]}...; '
                         'run scripts/install_visdom_assets.py (scripts/setup_env.sh does)')
    with browser.visdom_server(tmp_path_factory.mktemp('visdom_env')) as srv:
        yield srv


@pytest.fixture(scope='module')
def vis(server):
    """The Python client, holding one image window and one line-plot window."""
    client = visdom.Visdom(server='http://127.0.0.1', port=server.port, env=ENV,
                           raise_exceptions=True, use_incoming_socket=False)
    assert client.check_connection(timeout_seconds=10)
    client.image(np.random.RandomState(0).rand(3, 64, 64), win='images',
                 opts={'title': 'real_A fake_B'})
    client.line(X=np.arange(10), Y=np.linspace(1, 0.1, 10), win='losses',
                opts={'title': 'training losses'})
    return client


def test_server_started_without_downloading(server):
    log = server.log()
    assert 'Downloading scripts' not in log and 'while downloading' not in log, log


def test_page_and_every_asset_answer_200(server):
    status, page = browser.http_get(server.url)
    assert status == 200
    urls = asset_urls(server.url + '/', page.decode())
    assert sum('/static/' in u for u in urls) >= 20, urls
    failed = [(u, code) for u in urls if (code := browser.http_get(u)[0]) != 200]
    assert not failed, failed


def test_windows_keep_what_the_api_pushed(vis):
    assert vis.win_exists('images', env=ENV) and vis.win_exists('losses', env=ENV)
    image = json.loads(vis.get_window_data('images', env=ENV))
    assert image['type'] == 'image'
    assert image['content']['src'].startswith('data:image/png;base64,')
    plot = json.loads(vis.get_window_data('losses', env=ENV))
    assert plot['type'] == 'plot'
    assert plot['content']['data'][0]['y'] == pytest.approx(np.linspace(1, 0.1, 10).tolist())


def test_browser_draws_both_windows(server, vis, chromium, tmp_path):
    dom = browser.dump_dom(f'{server.url}/env/{ENV}')
    assert dom.count('class="window"') == 2, dom[:2000]
    assert 'real_A fake_B' in dom and 'training losses' in dom
    assert re.search(r'<img class="content-image[^>]*src="data:image/png;base64,', dom)
    assert 'js-plotly-plot' in dom and 'class="trace scatter' in dom
    png = browser.screenshot(f'{server.url}/env/{ENV}', tmp_path / 'visdom.png')
    assert png.stat().st_size > 10_000
    assert 'tornado.access:404' not in server.log(), 'the page asked for a file visdom lacks'
