"""Live previews against a real visdom server (windows checked through visdom's own API and in
Chromium), a server that is absent or dies mid-run (one warning, the run goes on), and progress
bars that draw only on a terminal."""
import io
import json
import os

import pytest

import train
from conftest import TINY
from docs.tools import browser
from options.train_options import TrainOptions
from util import progress
from util.visualizer import Visualizer

visdom = pytest.importorskip('visdom')
ENV = 'visualizer_test'


def display_args(root, tmp_path, port, name):
    return [*TINY, '--dataroot', root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'),
            '--netG', 'resnet_6blocks', '--max_dataset_size', '3', '--no_progress',
            '--display_id', '1', '--display_port', str(port), '--display_server', 'http://127.0.0.1',
            '--display_env', ENV, '--display_freq', '1', '--print_freq', '1']


def windows(port):
    client = visdom.Visdom(server='http://127.0.0.1', port=port, env=ENV, raise_exceptions=True,
                           use_incoming_socket=False)
    return {str(k): v if isinstance(v, dict) else json.loads(v)
            for k, v in json.loads(client.get_window_data(env=ENV)).items()}


@pytest.mark.slow
def test_previews_reach_a_real_server_then_survive_its_death(tmp_path, unaligned_root, capfd, monkeypatch):
    with browser.visdom_server(tmp_path / 'visdom') as server:
        args = display_args(unaligned_root, tmp_path, server.port, 'live')
        train.main(args)
        wins = windows(server.port)
        image, plot = wins['1'], wins['2']
        assert image['type'] == 'image' and image['content']['src'].startswith('data:image/png;base64,')
        assert 'real_A' in image['title'] and 'fake_B' in image['title']
        assert {trace['name'] for trace in plot['content']['data']} >= {'G_A', 'D_A', 'cycle_A', 'idt_B'}
        assert len(plot['content']['data'][0]['x']) == 3  # one point per iteration (--print_freq 1)

        visualizer = Visualizer(TrainOptions().parse(args))
        visualizer.plot_metric(1, 'FID', 90.0)
        visualizer.plot_metric(2, 'FID', 70.5)
        fid = windows(server.port)['3']
        assert fid['content']['data'][0]['y'] == [90.0, 70.5] and 'FID' in fid['title']
        if browser.find_chromium() or os.environ.get('CI'):
            dom = browser.dump_dom(f'{server.url}/env/{ENV}')
            assert dom.count('class="window"') == 3 and 'content-image' in dom and 'js-plotly-plot' in dom

        # stop the server after the first loss plot of a second run
        plot_losses = Visualizer.plot_current_losses
        calls = []

        def then_stop(self, *a):
            plot_losses(self, *a)
            calls.append(1)
            if len(calls) == 1:
                server.proc.terminate()
                server.proc.wait(10)
        monkeypatch.setattr(Visualizer, 'plot_current_losses', then_stop)
        capfd.readouterr()
        train.main(display_args(unaligned_root, tmp_path, server.port, 'dies'))
    err = capfd.readouterr().err
    assert len(calls) == 3 and (tmp_path / 'ck' / 'dies' / 'latest_net_G_A.pth').is_file()
    assert err.count('warning:') == 1 and 'lost the visdom server' in err, err


def test_absent_server_costs_one_warning(tmp_path, unaligned_root, capfd):
    port = browser.free_port()
    args = display_args(unaligned_root, tmp_path, port, 'absent')
    train.main([*args, '--max_dataset_size', '2'])
    out, err = capfd.readouterr()
    assert err.count('warning:') == 1 and f'no visdom server at http://127.0.0.1:{port}' in err, err
    assert (tmp_path / 'ck' / 'absent' / 'latest_net_G_A.pth').is_file()
    assert '\r' not in out + err  # not a terminal: no bar, nothing to garble a log


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_draws_only_on_a_terminal():
    tty, pipe = _Terminal(), io.StringIO()
    assert list(progress.bar(range(5), total=5, desc='epoch 1', file=tty)) == list(range(5))
    assert 'epoch 1:' in tty.getvalue() and '/5 [' in tty.getvalue() and 'it/s' in tty.getvalue()
    assert list(progress.bar(range(5), file=pipe)) == list(range(5)) and pipe.getvalue() == ''
    off = _Terminal()
    list(progress.bar(range(5), file=off, enabled=False))
    assert off.getvalue() == ''


def test_losses_shown_on_the_bar_when_printed(tmp_path, capsys):
    opt = TrainOptions().parse([*TINY, '--dataroot', str(tmp_path), '--checkpoints_dir', str(tmp_path)])
    visualizer = Visualizer(opt)
    visualizer.bar = progress.bar(range(3), total=3, file=_Terminal())
    visualizer.print_current_losses(1, 2, {'G_A': 0.5, 'D_A': 0.25}, 0.1, 0.0)
    assert visualizer.bar.postfix == 'G_A=0.500, D_A=0.250'
    assert 'G_A: 0.500 D_A: 0.250' in capsys.readouterr().out
    assert 'G_A: 0.500' in (tmp_path / 'experiment_name' / 'loss_log.txt').read_text()
