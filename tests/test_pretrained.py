"""Checkpoints in upstream's key layout load unchanged in --model test and --model pix2pix.

The key lists below are written out from upstream's layer order (ResnetGenerator's one
Sequential `model`, UnetGenerator's nested `model.model.N` blocks), not read from our networks,
so a renamed or reordered layer here fails the test. The values come from a source network;
the translated image must equal that network's output."""
import os

import numpy as np
import pytest
import torch
import torchvision.transforms as transforms
from PIL import Image

import test as test_script
from conftest import write_images
from models import networks
from util.util import tensor2im


def resnet_9blocks_layout(input_nc, output_nc, ngf, old_instance_norm=False):
    """{key: shape} of upstream's ResnetGenerator with InstanceNorm (convs carry a bias) and no dropout."""
    layout = {'model.1': (ngf, input_nc, 7, 7), 'model.4': (ngf * 2, ngf, 3, 3), 'model.7': (ngf * 4, ngf * 2, 3, 3)}
    for block in range(10, 19):
        layout.update({f'model.{block}.conv_block.1': (ngf * 4, ngf * 4, 3, 3), f'model.{block}.conv_block.5': (ngf * 4, ngf * 4, 3, 3)})
    layout.update({'model.19': (ngf * 4, ngf * 2, 3, 3), 'model.22': (ngf * 2, ngf, 3, 3), 'model.26': (output_nc, ngf, 7, 7)})
    keys = {}
    for prefix, shape in layout.items():
        keys[f'{prefix}.weight'] = shape
        keys[f'{prefix}.bias'] = (shape[1] if prefix in ('model.19', 'model.22') else shape[0],)
    if old_instance_norm:  # PyTorch < 0.4 saved running stats for every InstanceNorm2d
        norms = {'model.2': ngf, 'model.5': ngf * 2, 'model.8': ngf * 4, 'model.20': ngf * 2, 'model.23': ngf}
        norms.update({f'model.{b}.conv_block.{i}': ngf * 4 for b in range(10, 19) for i in (2, 6)})
        for prefix, channels in norms.items():
            keys[f'{prefix}.running_mean'] = (channels,)
            keys[f'{prefix}.running_var'] = (channels,)
    return keys


def unet_256_layout(input_nc, output_nc, ngf):
    """{key: shape} of upstream's UnetGenerator(num_downs=8) with BatchNorm (convs without bias)."""
    def batch_norm(prefix, channels):
        return {f'{prefix}.{k}': (channels,) for k in ('weight', 'bias', 'running_mean', 'running_var')} | \
               {f'{prefix}.num_batches_tracked': ()}

    # (outer_nc, inner_nc) from the outermost block inwards
    blocks = [(output_nc, ngf), (ngf, ngf * 2), (ngf * 2, ngf * 4), (ngf * 4, ngf * 8)] + [(ngf * 8, ngf * 8)] * 4
    keys, prefix = {}, 'model.model'
    for depth, (outer, inner) in enumerate(blocks):
        if depth == 0:  # outermost: downconv, submodule, uprelu, upconv (with bias), tanh
            keys.update({f'{prefix}.0.weight': (inner, input_nc, 4, 4), f'{prefix}.3.weight': (inner * 2, outer, 4, 4),
                         f'{prefix}.3.bias': (outer,)})
            prefix += '.1.model'
        elif depth == len(blocks) - 1:  # innermost: downrelu, downconv, uprelu, upconv, upnorm
            keys.update({f'{prefix}.1.weight': (inner, outer, 4, 4), f'{prefix}.3.weight': (inner, outer, 4, 4)})
            keys.update(batch_norm(f'{prefix}.4', outer))
        else:  # downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm(, dropout)
            keys.update({f'{prefix}.1.weight': (inner, outer, 4, 4), f'{prefix}.5.weight': (inner * 2, outer, 4, 4)})
            keys.update(batch_norm(f'{prefix}.2', inner) | batch_norm(f'{prefix}.6', outer))
            prefix += '.3.model'
    return keys


def upstream_state_dict(source, layout, data_parallel):
    """The source network's values under upstream's keys (plus any keys only old files have)."""
    ours = source.state_dict()
    state = {}
    generator = torch.Generator().manual_seed(1)
    for key, shape in layout.items():
        if key in ours:
            assert tuple(ours[key].shape) == shape, key
            state[key] = ours[key].clone()
        else:  # stale running stats of an old InstanceNorm: must be ignored
            state[key] = torch.rand(shape, generator=generator) + 5.0
    assert set(ours) <= set(state), sorted(set(ours) - set(state))[:3]
    return {('module.' + k if data_parallel else k): v for k, v in state.items()}


def source_network(netG, norm, ngf):
    torch.manual_seed(123)
    net = networks.define_G(3, 3, ngf, netG, norm, use_dropout=False)
    if norm == 'batch':  # running stats that differ from a fresh network's, so loading them matters
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return net.eval()


def expected_image(net, image_path, box=None):
    image = Image.open(image_path).convert('RGB')
    if box:
        image = image.crop(box)
    x = transforms.Normalize((0.5,) * 3, (0.5,) * 3)(transforms.ToTensor()(image)).unsqueeze(0)
    with torch.no_grad():
        return tensor2im(net(x)).astype(int)


@pytest.mark.parametrize('old', [False, True], ids=['current', 'pre0.4-dataparallel'])
def test_resnet_instance_norm_loads_in_model_test(tmp_path, old):
    ngf, size = 8, 64
    source = source_network('resnet_9blocks', 'instance', ngf)
    layout = resnet_9blocks_layout(3, 3, ngf, old_instance_norm=old)
    assert set(layout) >= set(source.state_dict()) and len(layout) == (94 if old else 48)
    os.makedirs(tmp_path / 'ck' / 'up')
    torch.save(upstream_state_dict(source, layout, data_parallel=old), tmp_path / 'ck' / 'up' / 'latest_net_G.pth')
    images = write_images(str(tmp_path / 'photos'), 2, size=(size, size))
    test_script.main(['--dataroot', str(tmp_path / 'photos'), '--name', 'up', '--model', 'test', '--no_dropout',
                      '--gpu_ids', '-1', '--ngf', str(ngf), '--crop_size', str(size), '--load_size', str(size),
                      '--checkpoints_dir', str(tmp_path / 'ck'), '--results_dir', str(tmp_path / 'res')])
    for path in images:
        name = os.path.splitext(os.path.basename(path))[0]
        fake = np.asarray(Image.open(tmp_path / 'res' / 'up' / 'test_latest' / 'images' / f'{name}_fake.png')).astype(int)
        assert np.abs(fake - expected_image(source, path)).max() <= 1


def test_unet_batch_norm_loads_in_pix2pix(tmp_path):
    ngf, size = 4, 256
    source = source_network('unet_256', 'batch', ngf)
    layout = unet_256_layout(3, 3, ngf)
    assert set(layout) == set(source.state_dict())
    os.makedirs(tmp_path / 'ck' / 'facades')
    torch.save(upstream_state_dict(source, layout, data_parallel=True), tmp_path / 'ck' / 'facades' / 'latest_net_G.pth')
    [path] = write_images(str(tmp_path / 'aligned' / 'test'), 1, size=(2 * size, size))
    test_script.main(['--dataroot', str(tmp_path / 'aligned'), '--name', 'facades', '--model', 'pix2pix', '--eval',
                      '--gpu_ids', '-1', '--ngf', str(ngf), '--checkpoints_dir', str(tmp_path / 'ck'),
                      '--results_dir', str(tmp_path / 'res')])
    fake = np.asarray(Image.open(tmp_path / 'res' / 'facades' / 'test_latest' / 'images' / '0000_fake_B.png')).astype(int)
    assert np.abs(fake - expected_image(source, path, box=(0, 0, size, size))).max() <= 1
