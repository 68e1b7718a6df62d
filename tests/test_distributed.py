"""util/distributed.py: gradient averaging over ranks (2 CPU processes, gloo) and train.py under
torchrun: one set of files, every image of an epoch seen once, an exact resume."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
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


# Faults under torchrun: a worker killed mid-run, and two hosts (network namespaces) -------------

ELASTIC = ['--n_epochs', '8', '--save_latest_freq', '2', '--continue_train', 'auto']  # 2 steps an epoch, a save each


def workers(parent):
    """{RANK: pid} of the worker processes torchrun `parent` started."""
    found = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            with open(f'/proc/{pid}/environ', 'rb') as f:
                env = dict(item.split(b'=', 1) for item in f.read().split(b'\0') if b'=' in item)
        except (OSError, ValueError):
            continue
        if ppid == parent and b'RANK' in env:
            found[int(env[b'RANK'])] = int(pid)
    return found


def kill_a_worker_after_the_first_save(procs, state, on):
    """SIGKILL the worker of torchrun procs[on] once a training state exists; returns its rank."""
    while not state.exists() and all(p.poll() is None for p in procs):
        time.sleep(0.01)
    ranks = workers(procs[on].pid)
    assert ranks, 'the run ended before the kill: make it longer'
    rank, pid = sorted(ranks.items())[-1]
    os.kill(pid, signal.SIGKILL)
    return rank


def assert_same_nets(a, b):
    for net in ('G_A', 'G_B', 'D_A', 'D_B'):
        wa, wb = (torch.load(folder / f'latest_net_{net}.pth') for folder in (a, b))
        assert all(torch.equal(wa[k], wb[k]) for k in wa), net
    sa, sb = (torch.load(folder / 'latest_train_state.pth') for folder in (a, b))
    assert sa['total_iters'] == sb['total_iters'] == 32
    moments = [(x, y) for oa, ob in zip(sa['optimizers'], sb['optimizers'])
               for pa, pb in zip(oa['state'].values(), ob['state'].values()) for x, y in zip(pa.values(), pb.values())]
    assert moments and all(torch.equal(x, y) for x, y in moments)


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """A data set of 4 images a domain, and the run every fault is compared to: one host, two processes."""
    tmp = tmp_path_factory.mktemp('cluster')
    for i, sub in enumerate(['trainA', 'trainB']):
        write_images(str(tmp / 'data' / sub), 4, size=(36, 40), seed=i)
    torchrun(str(tmp / 'data'), str(tmp / 'ck'), 'one_host', *ELASTIC)
    return tmp


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_restarted_and_ends_as_the_uninterrupted_run(cluster):
    command = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
               '--max_restarts', '1', 'train.py', *train_args(cluster, 'killed')]
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kill_a_worker_after_the_first_save([proc], cluster / 'ck' / 'killed' / 'latest_train_state.pth', 0)
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert 'continuing killed from' in out, 'the restarted workers resumed from the latest state'
    assert_same_nets(cluster / 'ck' / 'one_host', cluster / 'ck' / 'killed')


@pytest.mark.slow
def test_sigterm_to_one_worker_stops_every_rank_after_the_same_step(cluster):
    """Rank 1 alone gets the signal: both ranks stop together, rank 0 saves, the same command goes on."""
    command = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
               'train.py', *train_args(cluster, 'term')]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    proc = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = cluster / 'ck' / 'term' / 'latest_train_state.pth'
    while not state.exists() and proc.poll() is None:
        time.sleep(0.01)
    os.kill(workers(proc.pid)[1], signal.SIGTERM)
    _, err = proc.communicate()
    assert proc.returncode != 0 and 'exitcode  : 143' in err, err[-3000:]
    assert err.count(f'stopped by SIGTERM: the training state is saved in {state};') == 1, 'rank 0 says it'
    assert 'lost the others' not in err and '[rank0]: Traceback' not in err and '[rank1]: Traceback' not in err
    assert torch.load(state)['total_iters'] < 32
    torchrun(str(cluster / 'data'), str(cluster / 'ck'), 'term', *ELASTIC)
    assert_same_nets(cluster / 'ck' / 'one_host', cluster / 'ck' / 'term')


def train_args(cluster, name):
    return ['--dataroot', str(cluster / 'data'), '--checkpoints_dir', str(cluster / 'ck'), '--name', name, *TINY,
            '--seed', '2', '--print_freq', '1', *ELASTIC]


@pytest.fixture
def two_hosts():
    """Two network namespaces joined by a veth pair: host 0 at 10.231.0.1, host 1 at 10.231.0.2."""
    if shutil.which('ip') is None:
        pytest.skip('the `ip` command (iproute2) is missing: cannot make network namespaces')
    tag = f'{os.getpid() % 100000}'
    names, links = [f'cg{tag}h0', f'cg{tag}h1'], [f'cg{tag}v0', f'cg{tag}v1']
    setup = [['ip', 'netns', 'add', names[0]], ['ip', 'netns', 'add', names[1]],
             ['ip', 'link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]]]
    for host in (0, 1):
        setup += [['ip', 'link', 'set', links[host], 'netns', names[host]],
                  ['ip', '-n', names[host], 'addr', 'add', f'10.231.0.{host + 1}/24', 'dev', links[host]],
                  ['ip', '-n', names[host], 'link', 'set', links[host], 'up'],
                  ['ip', '-n', names[host], 'link', 'set', 'lo', 'up']]
    try:
        for step in setup:
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode:
                pytest.skip(f'cannot make network namespaces ({" ".join(step)}: {done.stderr.strip()}); '
                            f'needs root with CAP_NET_ADMIN')
        yield [(name, link, f'10.231.0.{host + 1}') for host, (name, link) in enumerate(zip(names, links))]
    finally:
        for name in names:
            subprocess.run(['ip', 'netns', 'del', name], capture_output=True)


def start_two_hosts(hosts, cluster, name, port):
    """torchrun --nnodes 2 --nproc_per_node 1 in each namespace, c10d rendezvous at host 0's address."""
    procs = []
    for i, (namespace, link, address) in enumerate(hosts):
        command = ['ip', 'netns', 'exec', namespace, 'env', f'GLOO_SOCKET_IFNAME={link}', 'OMP_NUM_THREADS=1',
                   sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--nproc_per_node', '1',
                   '--rdzv_backend', 'c10d', '--rdzv_endpoint', f'{hosts[0][2]}:{port}', '--rdzv_id', name,
                   '--rdzv_conf', f'is_host={int(i == 0)}', '--local_addr', address, '--max_restarts', '1',
                   'train.py', *train_args(cluster, name)]
        procs.append(subprocess.Popen(command, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return procs


def finish(procs):
    try:
        outs = [p.communicate(timeout=600) for p in procs]
    finally:
        for p in procs:  # a namespace is deleted only once nothing runs in it
            p.kill()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    return ''.join(out for out, _ in outs)


def test_two_hosts_end_as_one_host_with_two_processes(two_hosts, cluster):
    finish(start_two_hosts(two_hosts, cluster, 'two_hosts', 29531))
    assert_same_nets(cluster / 'ck' / 'one_host', cluster / 'ck' / 'two_hosts')


@pytest.mark.slow
def test_two_hosts_one_worker_killed_restart_and_end_the_same(two_hosts, cluster):
    procs = start_two_hosts(two_hosts, cluster, 'two_hosts_killed', 29532)
    kill_a_worker_after_the_first_save(procs, cluster / 'ck' / 'two_hosts_killed' / 'latest_train_state.pth', 1)
    assert 'continuing two_hosts_killed from' in finish(procs)
    assert_same_nets(cluster / 'ck' / 'one_host', cluster / 'ck' / 'two_hosts_killed')
