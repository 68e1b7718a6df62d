import math
from argparse import Namespace

import pytest
import torch

from models import networks


@pytest.mark.parametrize('netG, size', [('resnet_9blocks', (36, 44)), ('resnet_6blocks', (32, 32)),
                                        ('unet_128', (128, 128)), ('unet_256', (256, 256))])
def test_generators_keep_the_size(netG, size):
    net = networks.define_G(3, 1, 4, netG, norm='batch' if 'unet' in netG else 'instance')
    out = net(torch.randn(2, 3, *size))
    assert out.shape == (2, 1, *size) and out.abs().max() <= 1


def test_unet_rejects_sizes_it_cannot_halve():
    net = networks.define_G(3, 3, 4, 'unet_128', norm='batch')
    with pytest.raises(ValueError, match='multiples of 128'):
        net(torch.randn(1, 3, 96, 96))


def test_resnet_keys_follow_upstream_layout():
    keys = networks.define_G(3, 3, 8, 'resnet_9blocks', norm='instance').state_dict().keys()
    indices = {int(k.split('.')[1]) for k in keys}
    assert {'model.1.weight', 'model.10.conv_block.1.weight', 'model.10.conv_block.5.weight',
            'model.19.weight', 'model.26.weight', 'model.26.bias'} <= set(keys)
    assert max(indices) == 26 and len(list(networks.define_G(3, 3, 8, 'resnet_9blocks').model)) == 28


@pytest.mark.parametrize('netD, out_side', [('basic', 2), ('n_layers', 6), ('pixel', 32)])
def test_discriminators(netD, out_side):
    net = networks.define_D(3, 4, netD, n_layers_D=2, norm='instance')
    assert net(torch.randn(1, 3, 32, 32)).shape == (1, 1, out_side, out_side)


@pytest.mark.parametrize('init_type', ['normal', 'xavier', 'kaiming', 'orthogonal'])
def test_init_types_change_weights(init_type):
    torch.manual_seed(0)
    net = networks.define_D(3, 4, 'basic', init_type=init_type, init_gain=0.02)
    conv = net.model[0]
    assert conv.bias.abs().max() == 0 and conv.weight.std() > 0


def test_norm_layers():
    assert isinstance(networks.get_norm_layer('batch')(4), torch.nn.BatchNorm2d)
    assert isinstance(networks.get_norm_layer('instance')(4), torch.nn.InstanceNorm2d)
    assert isinstance(networks.get_norm_layer('none')(4), networks.Identity)
    with pytest.raises(NotImplementedError):
        networks.get_norm_layer('group')


def test_gan_losses():
    pred = torch.full((1, 1, 2, 2), 0.25)
    assert networks.GANLoss('lsgan')(pred, True).item() == pytest.approx(0.75 ** 2)
    assert networks.GANLoss('lsgan', target_real_label=0.9)(pred, True).item() == pytest.approx(0.65 ** 2)
    assert networks.GANLoss('vanilla')(pred, False).item() == pytest.approx(
        torch.nn.functional.softplus(torch.tensor(0.25)).item())
    assert networks.GANLoss('wgangp')(pred, True).item() == pytest.approx(-0.25)


def test_gradient_penalty_of_a_linear_critic():
    """A critic sum(w * x) has gradient w everywhere: the penalty is (|w| - 1)^2 * lambda."""
    critic = torch.nn.Conv2d(1, 1, kernel_size=2, bias=False)
    torch.nn.init.constant_(critic.weight, 1.0)
    real, fake = torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2)
    penalty, grads = networks.cal_gradient_penalty(critic, real, fake, 'cpu', lambda_gp=10.0)
    assert penalty.item() == pytest.approx(10.0 * (2.0 - 1.0) ** 2, rel=1e-4)
    assert grads.shape == (3, 4)


def lrs(policy, epoch_count=1, epochs=6):
    opt = Namespace(lr_policy=policy, epoch_count=epoch_count, n_epochs=3, n_epochs_decay=3, lr_decay_iters=2)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = networks.get_scheduler(optimizer, opt)
    seen = []
    for _ in range(epochs):
        seen.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    return seen


def test_linear_schedule_matches_upstream():
    assert lrs('linear') == pytest.approx([1, 1, 1, 0.75, 0.5, 0.25])


def test_schedules_resume_from_epoch_count():
    for policy in ('linear', 'step', 'cosine'):
        assert lrs(policy, epoch_count=3, epochs=4) == pytest.approx(lrs(policy)[2:]), policy


def test_step_and_cosine_schedules():
    assert lrs('step') == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    cosine = lrs('cosine')  # half a cosine over all 6 epochs: no epoch at zero
    assert cosine == pytest.approx([0.5 * (1 + math.cos(math.pi * e / 6)) for e in range(6)])
    assert min(cosine) > 0.06 and cosine[3:] != pytest.approx([0, 0, 0])
