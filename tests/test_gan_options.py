"""GAN training options (models/gan_options.py): each changes the loss it should and nothing else.

One seeded training step per setting; the nets are compared bitwise. cycle_gan and crossnet step G
before D and pix2pix D before G, which decides which nets an option may touch in the first step.
crossnet takes these options through a guarded import (it stays a drop-in file for upstream)."""
import pytest
import torch

from conftest import TINY
from data import create_dataset
from models import create_model, networks
from models.losses import discriminator_features
from options.train_options import TrainOptions
from util.errors import UserError

MODELS = {'cycle_gan': {'G': ['G_A', 'G_B'], 'D': ['D_A', 'D_B'], 'D_first': False},
          'pix2pix': {'G': ['G'], 'D': ['D'], 'D_first': True},
          'crossnet': {'G': ['E_ab', 'Dec_b', 'E_ba', 'Dec_a', 'T_ab', 'T_ba'], 'D': ['Q_a', 'Q_b'], 'D_first': False}}


def one_step(model_name, root, tmp_path, extra=()):
    args = TINY + ['--dataroot', root, '--model', model_name, '--seed', '0', '--checkpoints_dir', str(tmp_path)]
    if model_name == 'pix2pix':
        args += ['--netG', 'resnet_6blocks']  # the U-Nets need >= 128 px
    if model_name == 'crossnet':
        args += ['--n_blocks_E', '1', '--n_blocks_T', '1']
    opt = TrainOptions().parse(args + list(extra))
    model = create_model(opt)
    model.setup(opt)
    model.set_input(next(iter(create_dataset(opt))))
    model.optimize_parameters()
    return model


def weights(model, names):
    return {f'{n}.{k}': v.clone() for n in names for k, v in getattr(model, 'net' + n).state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(params=sorted(MODELS))
def setting(request, unaligned_root, aligned_root):
    return request.param, aligned_root if request.param == 'pix2pix' else unaligned_root


def test_neutral_values_give_the_bitwise_same_step(setting, tmp_path):
    name, root = setting
    nets = MODELS[name]['G'] + MODELS[name]['D']
    plain = one_step(name, root, tmp_path)
    neutral = one_step(name, root, tmp_path, ['--real_label', '1.0', '--lambda_feat', '0', '--lambda_gp', '0'])
    assert same(weights(plain, nets), weights(neutral, nets))
    assert plain.get_current_losses() == neutral.get_current_losses()
    assert plain.gan.D_extra(None, None, None) == 0.0 and plain.gan.G_extra(None, None, None) == 0.0


@pytest.mark.parametrize('option, changes', [(['--real_label', '0.9'], 'D'), (['--lambda_feat', '10'], 'G')])
def test_option_changes_only_its_side(setting, tmp_path, option, changes):
    """Label smoothing is one-sided (D's real target only); feature matching is a G loss."""
    name, root = setting
    spec = MODELS[name]
    plain = one_step(name, root, tmp_path)
    changed = one_step(name, root, tmp_path, option)
    assert not same(weights(plain, spec[changes]), weights(changed, spec[changes]))
    other = 'G' if changes == 'D' else 'D'
    if spec['D_first'] == (changes == 'G'):  # the other side stepped before this option could reach it
        assert same(weights(plain, spec[other]), weights(changed, spec[other]))


def test_gradient_penalty(setting, tmp_path):
    name, root = setting
    spec = MODELS[name]
    default = one_step(name, root, tmp_path, ['--gan_mode', 'wgangp'])
    assert default.gan.lambda_gp == 10.0
    off = one_step(name, root, tmp_path, ['--gan_mode', 'wgangp', '--lambda_gp', '0'])
    assert not same(weights(default, spec['D']), weights(off, spec['D']))
    if not spec['D_first']:
        assert same(weights(default, spec['G']), weights(off, spec['G']))
    assert one_step(name, root, tmp_path).gan.lambda_gp == 0.0


def test_crossnet_shows_feature_matching_as_its_own_term(unaligned_root, tmp_path):
    assert 'feat' not in one_step('crossnet', unaligned_root, tmp_path).get_current_losses()
    model = one_step('crossnet', unaligned_root, tmp_path, ['--lambda_feat', '10'])
    assert model.loss_names[:2] == ['GAN', 'feat'] and model.get_current_losses()['feat'] > 0


@pytest.mark.parametrize('option', [['--real_label', '0'], ['--lambda_feat', '-1'], ['--lambda_gp', '-1'],
                                    ['--gan_mode', 'wgangp', '--real_label', '0.9']])
def test_bad_values_are_one_line_errors(unaligned_root, tmp_path, option):
    with pytest.raises(UserError, match=option[-2]):
        one_step('cycle_gan', unaligned_root, tmp_path, option)


@pytest.mark.parametrize('netD, count', [('basic', 4), ('n_layers', 3), ('pixel', 2)])
def test_discriminator_features(netD, count):
    torch.manual_seed(0)
    net = networks.define_D(3, 4, netD, n_layers_D=2, norm='instance')
    keys = list(net.state_dict())
    x = torch.randn(2, 3, 32, 32)
    features, prediction = discriminator_features(net, x)
    assert len(features) == count
    assert torch.equal(prediction, net(x))
    assert list(net.state_dict()) == keys


def test_feature_matching_compares_positions_only_for_paired_images(unaligned_root, aligned_root, tmp_path):
    """Unpaired real and fake images do not correspond: their term compares feature statistics over
    the batch and the image, which do not change when the real images come in another order; the
    paired term (pix2pix, the pair discriminator) compares each fake with its own real image."""
    model = one_step('cycle_gan', unaligned_root, tmp_path, ['--lambda_feat', '1'])
    torch.manual_seed(0)
    real, fake = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    swapped = real.flip(0)
    terms = model.gan
    assert not terms.paired
    assert torch.allclose(terms.G_extra(model.netD_A, real, fake), terms.G_extra(model.netD_A, swapped, fake))
    terms.paired = True
    assert not torch.allclose(terms.G_extra(model.netD_A, real, fake), terms.G_extra(model.netD_A, swapped, fake))
    assert one_step('pix2pix', aligned_root, tmp_path, ['--lambda_feat', '1']).gan.paired
