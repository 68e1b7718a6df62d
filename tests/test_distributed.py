"""util/distributed.py: gradient averaging over ranks (2 CPU processes, gloo) and train.py under
torchrun: one set of files, every image of an epoch seen once, an exact resume."""
import json
import os
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from conftest import ROOT, TINY, write_images
from util import distributed


class TwoNets:
    """The parts of a model that distributed.prepare uses: nets by name and their optimizers."""

    def __init__(self, rank):
        torch.manual_seed(rank)  # different weights on each rank until prepare broadcasts rank 0's
        self.netA, self.netB = torch.nn.Linear(3, 2), torch.nn.Linear(3, 1)
        self.optimizers = [torch.optim.SGD([*self.netA.parameters(), *self.netB.parameters()], lr=1.0)]

    def named_nets(self):
        return [('A', self.netA), ('B', self.netB)]


def _rank_step(rank, store, out):
    dist.init_process_group('gloo', init_method=f'file://{store}', rank=rank, world_size=2)
    model = TwoNets(rank)
    distributed.prepare(model)
    start = {k: v.clone() for k, v in model.netA.state_dict().items()}
    x = torch.full((1, 3), float(rank + 1))
    loss = model.netA(x).sum() + (model.netB(x).sum() if rank == 0 else 0)  # netB: a gradient on rank 0 only
    loss.backward()
    model.optimizers[0].step()
    torch.save({'start': start, 'A': model.netA.state_dict(), 'B': model.netB.state_dict(),
                'B_grad_none': model.netB.weight.grad is None, 'any_rank': distributed.any_rank(rank == 1),
                'gather': distributed.gather(f'rank {rank}')}, os.path.join(out, f'{rank}.pth'))
    distributed.cleanup()


def test_prepare_broadcasts_and_averages_gradients_and_flags_reach_every_rank(tmp_path):
    mp.spawn(_rank_step, args=(str(tmp_path / 'store'), str(tmp_path)), nprocs=2)
    r0, r1 = (torch.load(tmp_path / f'{r}.pth') for r in (0, 1))
    for key in r0['start']:
        assert torch.equal(r0['start'][key], r1['start'][key]), 'rank 1 starts from rank 0 weights'
        assert torch.equal(r0['A'][key], r1['A'][key]) and torch.equal(r0['B'][key], r1['B'][key])
    # d(sum(W x + b))/dW = x per output row: x = 1s on rank 0 and 2s on rank 1, averaged 1.5; lr 1
    assert torch.allclose(r0['A']['weight'], r0['start']['weight'] - 1.5)
    assert torch.allclose(r0['A']['bias'], r0['start']['bias'] - 1.0)
    assert not r0['B_grad_none'] and not r1['B_grad_none'], 'a gradient on one rank is shared (halved)'
    assert r0['any_rank'] and r1['any_rank'], 'a NaN seen by rank 1 stops rank 0 too'
    assert r0['gather'] == r1['gather'] == ['rank 0', 'rank 1']


def torchrun(data, ck, name, *args, check=True):
    command = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
               'train.py', '--dataroot', data, '--checkpoints_dir', ck, '--name', name, *TINY, '--seed', '2',
               '--print_freq', '1', *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert done.returncode == 0 or not check, done.stderr[-3000:]
    return done.stdout if check else done


def test_train_under_torchrun_writes_once_and_resumes_exactly(tmp_path):
    for i, sub in enumerate(['trainA', 'trainB', 'testA', 'testB']):
        write_images(str(tmp_path / 'data' / sub), 4, size=(36, 40), seed=i)
    data, ck = str(tmp_path / 'data'), str(tmp_path / 'ck')
    out = torchrun(data, ck, 'whole', '--n_epochs', '2')
    assert out.count('----------------- Options') == 1 and out.count('End of epoch 2 / 2') == 1
    log = (tmp_path / 'ck' / 'whole' / 'loss_log.txt').read_text().splitlines()
    assert [line.split(', time')[0] for line in log[1:]] == [f'(epoch: {e}, iters: {i}' for e in (1, 2) for i in (2, 4)], \
        'one log line per iteration of 2 images (one per rank): 4 images an epoch'
    state = torch.load(tmp_path / 'ck' / 'whole' / 'latest_train_state.pth')
    assert state['total_iters'] == 8 and len(state['rng']) == 2
    torchrun(data, ck, 'resumed', '--n_epochs', '1')
    torchrun(data, ck, 'resumed', '--n_epochs', '2', '--continue_train')
    for net in ('G_A', 'G_B', 'D_A', 'D_B'):
        a, b = (torch.load(tmp_path / 'ck' / run / f'latest_net_{net}.pth') for run in ('whole', 'resumed'))
        assert all(torch.equal(a[k], b[k]) for k in a), net


def test_a_process_that_fails_stops_the_job_with_its_one_line_error(tmp_path):
    for i, sub in enumerate(['trainA', 'trainB']):
        write_images(str(tmp_path / 'data' / sub), 4, size=(36, 40), seed=i)
    broken = tmp_path / 'data' / 'trainA' / '0003.png'
    broken.write_bytes(broken.read_bytes()[:300])  # truncated: only the process that loads it fails
    done = torchrun(str(tmp_path / 'data'), str(tmp_path / 'ck'), 'bad', '--serial_batches', check=False)
    assert done.returncode != 0
    assert f'error: cannot read image {broken}: image file is truncated' in done.stderr
    assert '[rank0]: Traceback' not in done.stderr and '[rank1]: Traceback' not in done.stderr, done.stderr


def test_pair_files_are_written_by_rank_0_and_read_by_all(tmp_path):
    for i, sub in enumerate(['trainA', 'trainB']):
        write_images(str(tmp_path / 'data' / sub), 4, size=(36, 40), seed=i)
    torchrun(str(tmp_path / 'data'), str(tmp_path / 'ck'), 'pairs', '--pseudo_pairs', 'gray', '--num_implicit_pairs', '3')
    run = tmp_path / 'ck' / 'pairs'
    manifest = json.loads((run / 'implicit_pairs.json').read_text())
    assert manifest['num_pairs'] == 3
    assert all(os.path.isfile(p) for pair in manifest['pairs'] for p in pair.values())
