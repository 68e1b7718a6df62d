"""The run record: whole lines only, cut back on resume so that each logged iteration is there once,
and the numbers the report draws are the ones loss_log.txt prints."""
import re

import pytest

import train
from conftest import TINY
from test_train_state import Killed, kill_after_save
from util import run_record
from util.run_record import RunRecord

BASE = [*TINY, '--n_epochs', '2', '--n_epochs_decay', '1', '--seed', '1', '--print_freq', '1',
        '--save_latest_freq', '2', '--save_epoch_freq', '1']
LOG_LINE = re.compile(r'^\(epoch: (\d+), iters: (\d+), [^)]*\) (.*)$')


def test_a_torn_last_line_is_left_out_and_restart_cuts_back(tmp_path):
    record = RunRecord(tmp_path)
    for iters in (1, 2, 3):
        record.losses(1, iters, iters, iters / 3, {'G': float(iters)}, {'G': 1e-3}, 0.5, 0.0)
    record.metric(1, 3, 'fid', 9.5)
    with open(record.path, 'a') as f:
        f.write('{"kind": "losses", "epo')  # killed while writing
    entries = run_record.read(record.path)
    assert [e['iters'] for e in entries] == [1, 2, 3, 3] and entries[-1]['value'] == 9.5
    assert entries[0]['images_per_s'] == 2.0 and entries[0]['lr'] == {'G': 1e-3}
    record.restart(2)
    assert [e['iters'] for e in run_record.read(record.path)] == [1, 2] and record.count == 2
    record.restart(up_to_iters=1)
    assert [e['iters'] for e in run_record.read(record.path)] == [1]
    assert run_record.read(tmp_path / 'absent.jsonl') == []


def test_curves_follow_the_last_set_of_loss_terms_and_final_losses_average_the_last_epoch(tmp_path):
    record = RunRecord(tmp_path)
    record.losses(1, 1, 1, 0.5, {'old': 9.0}, {}, 0.1, 0.0)
    for epoch, iters, gan in [(1, 2, 5.0), (2, 3, 1.0), (2, 4, 3.0)]:
        record.losses(epoch, iters, 1, iters / 2, {'GAN': gan, 'Id': gan / 2}, {}, 0.1, 0.0)
    record.metric(2, 4, 'fid', 3.0)
    losses, metrics = run_record.curves(run_record.read(record.path))
    assert losses == {'X': [1.0, 1.5, 2.0], 'Y': [[5.0, 2.5], [1.0, 0.5], [3.0, 1.5]], 'legend': ['GAN', 'Id']}
    assert metrics == {'fid': [(2, 3.0)]}
    assert run_record.final_losses(record.path) == {'GAN': 2.0, 'Id': 1.0}
    assert run_record.final_losses(tmp_path / 'absent.jsonl') == {}


@pytest.mark.parametrize('kill_at', [2, 4])  # mid-epoch 1 (iteration 2), end of epoch 1
def test_resumed_record_has_each_logged_iteration_once_and_matches_the_log(unaligned_root, tmp_path,
                                                                        monkeypatch, kill_at):
    args = ['--dataroot', unaligned_root, '--name', 'r', '--checkpoints_dir', str(tmp_path), *BASE]
    kill_after_save(monkeypatch, kill_at)
    with pytest.raises(Killed):
        train.main(args)
    train.main(args + ['--continue_train'])
    run_dir = tmp_path / 'r'
    entries = run_record.read(run_record.path_of(run_dir))
    logged = [e for e in entries if e['kind'] == 'losses']
    assert [e['iters'] for e in logged] == list(range(1, 10)), 'one entry per logged iteration'
    assert [e['epoch'] for e in logged] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert all(e['lr'].keys() == {'G', 'D'} and e['images_per_s'] > 0 for e in logged)
    assert logged[-1]['lr']['G'] < logged[0]['lr']['G']  # the decaying last epoch
    # every entry is a line of loss_log.txt, with the same numbers
    lines = {}
    for line in (run_dir / 'loss_log.txt').read_text().splitlines():
        match = LOG_LINE.match(line)
        if match:
            lines.setdefault((int(match.group(1)), int(match.group(2))), []).append(match.group(3))
    for e in logged:
        printed = ' '.join(f'{k}: {v:.3f}' for k, v in e['losses'].items())
        assert printed in lines[(e['epoch'], e['epoch_iter'])]
    # and the report draws exactly these entries
    losses, _ = run_record.curves(entries)
    assert losses['X'] == [e['progress'] for e in logged]
    assert losses['Y'] == [list(e['losses'].values()) for e in logged]
    assert 'run_record.jsonl' in (run_dir / 'web' / 'index.html').read_text()
