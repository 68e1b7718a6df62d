"""training/threads.py: loader workers and torch threads fit the cores, explicit choices are kept, and
the choice is said once."""
import torch

from data import create_dataset
from options.train_options import TrainOptions
from training import threads


def test_two_cores_get_no_workers_beside_two_torch_threads():
    assert threads.plan(4, False, 0, available=2, current=2) == (0, 2)


def test_one_torch_thread_leaves_a_core_to_a_worker():
    assert threads.plan(4, False, 1, available=2, current=2) == (1, 1)


def test_a_large_machine_keeps_upstreams_four_workers():
    assert threads.plan(4, False, 0, available=32, current=16) == (4, 16)


def test_explicit_workers_and_threads_are_kept_and_threads_never_exceed_the_cores():
    assert threads.plan(6, True, 3, available=2, current=2) == (6, 3)
    assert threads.plan(4, False, 0, available=1, current=8) == (0, 1)


def test_the_loader_uses_the_fitted_workers_and_says_so_once(unaligned_root, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(threads, 'cores', lambda: 2)
    before = torch.get_num_threads()
    try:
        opt = TrainOptions().parse(['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path), '--gpu_ids', '-1',
                                    '--display_id', '0', '--torch_threads', '1'])
        capsys.readouterr()
        dataset = create_dataset(opt)
        assert torch.get_num_threads() == 1
        assert dataset.dataloader.num_workers == 1
        out = capsys.readouterr().out
        assert out.count('threads: 1 torch intra-op, 1 data loader workers (--num_threads 4 fitted') == 1
        opt = TrainOptions().parse(['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path), '--gpu_ids', '-1',
                                    '--display_id', '0', '--torch_threads', '1', '--num_threads', '3'])
        assert create_dataset(opt).dataloader.num_workers == 3, 'an explicit --num_threads is used as given'
    finally:
        torch.set_num_threads(before)
