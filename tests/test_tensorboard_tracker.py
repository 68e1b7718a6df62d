"""--use_tensorboard: the event file holds every scalar the loop logged, at its iteration, and the
visuals as images."""
import pytest

import train
from conftest import TINY
from util import run_record

pytest.importorskip('tensorboard')


def test_event_file_holds_every_logged_scalar_and_an_image(unaligned_root, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train.main([*TINY, '--dataroot', unaligned_root, '--name', 'tb', '--checkpoints_dir', str(tmp_path),
                '--use_tensorboard', '--print_freq', '1', '--display_freq', '2', '--n_epochs', '2'])
    run_dir = tmp_path / 'tb'
    events = EventAccumulator(str(run_dir / 'tensorboard'), size_guidance={'scalars': 0, 'images': 0})
    events.Reload()
    logged = [e for e in run_record.read(run_record.path_of(run_dir)) if e['kind'] == 'losses']
    assert len(logged) == 6
    tags = events.Tags()
    expected = {f'loss/{k}' for k in logged[0]['losses']} | {f'lr/{k}' for k in logged[0]['lr']}
    assert expected | {'epoch', 'images_per_s'} <= set(tags['scalars'])
    for name in logged[0]['losses']:
        points = [(s.step, s.value) for s in events.Scalars(f'loss/{name}')]
        assert points == [(e['iters'], pytest.approx(e['losses'][name], rel=1e-6)) for e in logged]
    assert [s.step for s in events.Scalars('lr/G')] == [e['iters'] for e in logged]
    assert 'visuals/fake_B' in tags['images']
    image = events.Images('visuals/fake_B')[0]
    assert image.width == 32 and image.height == 32 and image.encoded_image_string.startswith(b'\x89PNG')
