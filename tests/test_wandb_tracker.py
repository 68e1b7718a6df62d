"""--use_wandb with WANDB_MODE=offline: the local run's history holds every logged loss at its
iteration, its config the options, read back from the run file with wandb's own record format."""
import glob
import json
import struct

import pytest

import train
from conftest import TINY
from util import run_record

pytest.importorskip('wandb')
BLOCK = 32768  # the .wandb file is a LevelDB-style log of protobuf Records


def records(path):
    """The wandb Records of a run-<id>.wandb file."""
    from wandb.proto import wandb_internal_pb2

    data = open(path, 'rb').read()
    assert struct.unpack('<4sHB', data[:7])[:2] == (b':W&B', 0xBEE1)
    pos, parts = 7, b''
    while pos + 7 <= len(data):
        left = BLOCK - pos % BLOCK
        _, length, kind = struct.unpack('<IHB', data[pos:pos + 7]) if left >= 7 else (0, 0, 0)
        if kind == 0:  # the block's zero padding
            pos += left
            continue
        parts += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # a whole record, or the last piece of one
            record = wandb_internal_pb2.Record()
            record.ParseFromString(parts)
            parts = b''
            yield record


def test_offline_run_holds_the_losses_at_their_iterations_and_the_options(unaligned_root, tmp_path, monkeypatch):
    monkeypatch.setenv('WANDB_MODE', 'offline')
    monkeypatch.delenv('WANDB_DIR', raising=False)
    train.main([*TINY, '--dataroot', unaligned_root, '--name', 'wb', '--checkpoints_dir', str(tmp_path),
                '--use_wandb', '--wandb_project_name', 'tiny', '--print_freq', '1', '--display_freq', '3',
                '--lambda_A', '7.5'])
    run_dir = tmp_path / 'wb'
    [path] = glob.glob(str(run_dir / 'wandb' / 'offline-run-*' / 'run-*.wandb'))
    history, config = {}, {}
    for record in records(path):
        kind = record.WhichOneof('record_type')
        if kind == 'history':
            items = {'/'.join(i.nested_key) or i.key: json.loads(i.value_json) for i in record.history.item}
            history.setdefault(items['_step'], {}).update(items)
        elif kind == 'run':
            config.update({i.key: json.loads(i.value_json) for i in record.run.config.update})
            assert record.run.project == 'tiny' and record.run.display_name == 'wb'
        elif kind == 'config':
            config.update({i.key: json.loads(i.value_json) for i in record.config.update})
    logged = [e for e in run_record.read(run_record.path_of(run_dir)) if e['kind'] == 'losses']
    assert [e['iters'] for e in logged] == [1, 2, 3]
    for e in logged:
        assert {k: history[e['iters']][f'loss/{k}'] for k in e['losses']} == pytest.approx(e['losses'])
        assert history[e['iters']]['lr/G'] == pytest.approx(e['lr']['G'])
    assert history[3]['visuals/fake_B/_type'] == 'image-file'
    assert config['lambda_A'] == 7.5 and config['name'] == 'wb' and config['model'] == 'cycle_gan'
