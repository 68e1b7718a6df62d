"""The start-up resume policy (training/resume.py): a trained run is never replaced quietly, and
`--continue_train auto` is one command line for the first start and every restart."""
import pytest
import torch

import train
from options.train_options import TrainOptions
from test_train_state import Killed, assert_same_end, kill_after_save, run
from util.errors import UserError


def files_of(folder):
    return {f.name: f.read_bytes() for f in folder.glob('*.pth')}


def test_retraining_a_trained_name_is_refused_and_changes_nothing(unaligned_root, tmp_path):
    ck = run(unaligned_root, tmp_path, 'done')
    before, options = files_of(ck), (ck / 'train_opt.txt').read_text()
    with pytest.raises(UserError, match=r'already holds a trained run \(.*\); continue it with --continue_train '
                                        r'\(or --continue_train auto\), or train from scratch with --start_over'):
        run(unaligned_root, tmp_path, 'done', '--lr', '0.1')
    assert files_of(ck) == before and len(before) == 9
    assert (ck / 'train_opt.txt').read_text() == options, 'the refused run wrote nothing'


def test_start_over_moves_the_old_run_aside_and_trains_afresh(unaligned_root, tmp_path):
    ck = run(unaligned_root, tmp_path, 'again')
    before = files_of(ck)
    run(unaligned_root, tmp_path, 'again', '--start_over', '--n_epochs', '1', '--n_epochs_decay', '0')
    (aside,) = ck.glob('replaced_*')
    assert files_of(aside) == before and (aside / 'train_opt.txt').is_file() and (aside / 'loss_log.txt').is_file()
    assert torch.load(ck / 'latest_train_state.pth')['total_iters'] == 3, 'the new run: 1 epoch of 3 images'
    assert '3_net_G_A.pth' not in files_of(ck)


def test_start_over_with_continue_train_is_refused(unaligned_root, tmp_path):
    with pytest.raises(UserError, match='--start_over and --continue_train contradict'):
        run(unaligned_root, tmp_path, 'x', '--start_over', '--continue_train', 'auto')


@pytest.mark.parametrize('args, value', [([], False), (['--continue_train'], True),
                                         (['--continue_train', '--epoch', 'latest'], True)])
def test_continue_train_alone_is_upstreams_flag(unaligned_root, tmp_path, args, value):
    opt = TrainOptions().gather_options(['--dataroot', unaligned_root, *args])
    assert opt.continue_train is value


def test_continue_train_takes_only_auto(unaligned_root, tmp_path):
    with pytest.raises(UserError, match="--continue_train takes no value or 'auto', got 'yes'"):
        run(unaligned_root, tmp_path, 'x', '--continue_train', 'yes')


def test_auto_starts_fresh_then_resumes_exactly_with_the_same_command(unaligned_root, tmp_path, monkeypatch, capsys):
    args = ['--save_latest_freq', '2', '--continue_train', 'auto']
    whole = run(unaligned_root, tmp_path, 'whole', *args)
    assert 'no latest_train_state.pth in' in capsys.readouterr().out
    kill_after_save(monkeypatch, 2)
    with pytest.raises(Killed):
        run(unaligned_root, tmp_path, 'restarted', *args)
    resumed = run(unaligned_root, tmp_path, 'restarted', *args)
    assert 'continuing restarted from' in capsys.readouterr().out
    assert_same_end(whole, resumed)


def test_auto_refuses_network_files_without_a_training_state(unaligned_root, tmp_path):
    ck = run(unaligned_root, tmp_path, 'nets')
    (ck / 'latest_train_state.pth').unlink()
    with pytest.raises(UserError, match=r'--continue_train auto: .* holds checkpoints .* but no '
                                        r'latest_train_state.pth to continue exactly; .* --continue_train'):
        run(unaligned_root, tmp_path, 'nets', '--continue_train', 'auto')
    assert (ck / 'latest_net_G_A.pth').is_file()
