"""metrics/translate.py: translating in batches gives each image its own translation, up to the
rounding of kernels chosen by batch size."""
import numpy as np
import pytest
import torch

from metrics.translate import translate
from models import create_model
from options.train_options import TrainOptions


@pytest.mark.parametrize('model', ['cycle_gan', 'crossnet'])
def test_batches_give_the_same_uint8_translations(unaligned_root, tmp_path, model):
    opt = TrainOptions().parse(['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path), '--model', model,
                                '--gpu_ids', '-1', '--display_id', '0', '--ngf', '8', '--ndf', '8', '--seed', '0'])
    net = create_model(opt)
    net.setup(opt)
    generator = torch.Generator().manual_seed(1)
    images = [torch.rand(1, 3, 32, 32, generator=generator) * 2 - 1 for _ in range(5)]
    images.insert(3, torch.rand(1, 3, 40, 32, generator=generator) * 2 - 1)  # another size starts a new batch
    one = translate(net, images, batch_size=1)
    batched = translate(net, images, batch_size=4)
    assert [a.shape for a in batched] == [(32, 32, 3)] * 3 + [(40, 32, 3)] + [(32, 32, 3)] * 2
    differences = np.concatenate([np.abs(a.astype(int) - b.astype(int)).ravel() for a, b in zip(one, batched)])
    assert differences.max() <= 1 and (differences > 0).mean() < 0.01, 'a rare pixel one grey level off, no more'
    assert np.array_equal(one[3], batched[3]), 'an image of its own size runs alone, as without batches'
