"""Explicit-pair supervision (models/pair_supervision.py) in cycle_gan and crossnet: the paired L1 term
as both models log it, the order of the optimizer steps, the pair discriminator (--lambda_pair_gan):
what it sees, that weight 0 is the step without it, its loss names, checkpoints, the preset, a tiny run."""
import copy

import pytest
import torch

import train
from conftest import TINY
from data.unaligned_dataset import UnalignedDataset
from models import create_model
from options.train_options import TrainOptions
from util.errors import UserError

MODELS = ['cycle_gan', 'crossnet']
CROSSNET_SMALL = ['--n_blocks_E', '1', '--n_blocks_T', '1']


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    """trainA/trainB and a pairs/A, pairs/B folder of 3 matching 32 px images."""
    from conftest import write_images
    base = tmp_path_factory.mktemp('pairgan')
    for i, sub in enumerate(['trainA', 'trainB', 'pairs/A', 'pairs/B']):
        write_images(str(base / sub), 3, seed=i)
    return str(base)


def options(tmp_path, root, model, *extra):
    args = TINY + ['--dataroot', root, '--checkpoints_dir', str(tmp_path), '--name', 'run', '--model', model,
                   '--seed', '0', '--no_flip']
    if model == 'crossnet':
        args += CROSSNET_SMALL
    return TrainOptions().parse(args + list(extra))


def explicit(root):
    return ['--implicit_pairs', root + '/pairs', '--num_implicit_pairs', '2', '--explicit_pairs']


def stepped(opt, steps=1):
    """A model after `steps` seeded steps on the first item(s) of the data set, and that batch."""
    torch.manual_seed(0)
    model = create_model(opt)
    model.setup(opt)
    data = UnalignedDataset(opt)
    for i in range(steps):
        batch = torch.utils.data.default_collate([data[i]])
        model.set_input(batch)
        model.optimize_parameters()
    return model, batch


def weights(model):
    return {f'{n}.{k}': v.clone() for n in model.model_names for k, v in getattr(model, 'net' + n).state_dict().items()}


@pytest.mark.parametrize('model_name', MODELS)
def test_the_paired_term_is_logged_unweighted_and_weighted_in_G(tmp_path, root, model_name):
    """Both models: loss names declared at construction, loss_pair the L1 of both translations on the
    pair (not times --lambda_pair), and G's loss the model's own terms plus lambda_pair times it."""
    opt = options(tmp_path, root, model_name, *explicit(root), '--lambda_pair', '7', '--batch_size', '2')
    model = create_model(opt)
    model.setup(opt)
    assert model.loss_names[-1] == 'pair'
    data = UnalignedDataset(opt)
    batch = torch.utils.data.default_collate([data[0], data[1]])
    model.set_input(batch)
    model.forward()
    model.backward_G()
    with torch.no_grad():
        l1 = torch.nn.functional.l1_loss
        expected = l1(model.netG_A(batch['pair_A']), batch['pair_B']) + l1(model.netG_B(batch['pair_B']), batch['pair_A'])
    assert float(model.loss_pair) == pytest.approx(float(expected), rel=1e-5)
    assert model.get_current_losses()['pair'] == pytest.approx(float(expected), rel=1e-5)
    assert model.loss_G.item() - 7 * float(expected) == pytest.approx(own_loss(model), rel=1e-4)
    plain = create_model(options(tmp_path, root, model_name))
    assert 'pair' not in plain.loss_names and not hasattr(plain, 'loss_pair')


def own_loss(model):
    """G's loss without the pair terms, from the model's own (weighted) terms."""
    if hasattr(model, 'generator_terms'):
        with torch.no_grad():
            return float(sum(model.weights[n] * v for n, v in model.generator_terms().items()))
    return sum(getattr(model, 'loss_' + n).item() for n in ('G_A', 'G_B', 'cycle_A', 'cycle_B', 'idt_A', 'idt_B'))


@pytest.mark.parametrize('model_name', MODELS)
def test_optimizer_steps_come_in_one_order(tmp_path, root, model_name):
    """G, then the model's discriminators, then the pair discriminators, in both models."""
    opt = options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '1')
    model = create_model(opt)
    model.setup(opt)
    steps = []
    for name, optimizer in zip(['G', 'D', 'pair'], model.optimizers):
        optimizer.register_step_post_hook(lambda *_, name=name: steps.append(name))
    model.set_input(torch.utils.data.default_collate([UnalignedDataset(opt)[0]]))
    model.optimize_parameters()
    assert steps == ['G', 'D', 'pair'] and model.optimizers[2] is model.pairs.optimizer


@pytest.mark.parametrize('model_name', MODELS)
def test_sees_the_injected_pair_as_real_and_the_translation_as_fake(tmp_path, root, model_name):
    opt = options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '1')
    torch.manual_seed(0)
    model = create_model(opt)
    model.setup(opt)
    batch = torch.utils.data.default_collate([UnalignedDataset(opt)[0]])
    x_a, x_b = batch['pair_A'], batch['pair_B']
    with torch.no_grad():  # the translations before the step (crossnet's G_A is Dec_b after E_ab)
        fake_B, fake_A = copy.deepcopy(model.netG_A)(x_a), copy.deepcopy(model.netG_B)(x_b)
    seen = {name: [] for name in ('D_pair_AB', 'D_pair_BA')}
    for name, inputs in seen.items():
        getattr(model, 'net' + name).register_forward_hook(lambda net, args, out, inputs=inputs: inputs.append(args[0].detach()))
    model.set_input(batch)
    model.optimize_parameters()
    expected = {'D_pair_AB': [torch.cat((x_a, fake_B), 1), torch.cat((x_a, x_b), 1)],
                'D_pair_BA': [torch.cat((x_b, fake_A), 1), torch.cat((x_b, x_a), 1)]}
    for name, (fake_pair, real_pair) in expected.items():
        # G step: the fake pair; D step: the real pair, then the fake pair (same translation, detached)
        assert len(seen[name]) == 3, name
        assert torch.allclose(seen[name][0], fake_pair, atol=1e-6) and torch.allclose(seen[name][2], fake_pair, atol=1e-6)
        assert torch.equal(seen[name][1], real_pair)
    assert {'pair_GAN', 'D_pair'} <= set(model.get_current_losses())


@pytest.mark.parametrize('model_name', MODELS)
def test_zero_weight_is_the_step_without_it(tmp_path, root, model_name):
    plain, _ = stepped(options(tmp_path, root, model_name, *explicit(root)))
    zero, _ = stepped(options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '0'))
    assert plain.model_names == zero.model_names and not any('pair' in n for n in zero.model_names)
    assert all(torch.equal(a, b) for a, b in zip(weights(plain).values(), weights(zero).values()))
    assert plain.get_current_losses() == zero.get_current_losses()
    assert not {'pair_GAN', 'D_pair'} & set(zero.loss_names)


@pytest.mark.parametrize('model_name', MODELS)
def test_its_term_moves_only_the_generators_and_its_own_discriminators(tmp_path, root, model_name):
    """The main discriminators train on the fakes of forward(), made before G's step, so they end equal."""
    plain, _ = stepped(options(tmp_path, root, model_name, *explicit(root)))
    adv, _ = stepped(options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '1'))
    main_D = {'cycle_gan': ['D_A', 'D_B'], 'crossnet': ['Q_a', 'Q_b']}[model_name]
    G = [n for n in plain.model_names if n not in main_D]
    changed = lambda names: any(not torch.equal(getattr(plain, 'net' + n).state_dict()[k], v)  # noqa: E731
                                for n in names for k, v in getattr(adv, 'net' + n).state_dict().items())
    assert changed(G)
    assert adv.model_names[-2:] == ['D_pair_AB', 'D_pair_BA'] and len(adv.optimizers) == len(plain.optimizers) + 1
    assert not changed(main_D)


@pytest.mark.parametrize('model_name', MODELS)
def test_needs_explicit_pairs(tmp_path, root, model_name):
    with pytest.raises(UserError, match='--lambda_pair_gan needs --explicit_pairs') as caught:
        create_model(options(tmp_path, root, model_name, '--lambda_pair_gan', '1'))
    assert '\n' not in str(caught.value)
    with pytest.raises(UserError, match='--lambda_pair_gan must be >= 0'):
        create_model(options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '-1'))


def test_full_supervision_preset(tmp_path, root):
    """Resolved after parsing: the preset's values where the command line gives none, also a default's."""
    opt = options(tmp_path, root, 'cycle_gan', '--implicit_pairs', root + '/pairs', '--num_implicit_pairs', '2',
                  '--pair_supervision', 'full')
    assert (opt.explicit_pairs, opt.lambda_pair, opt.lambda_pair_gan) == (True, 0.5, 1.0)
    assert (opt.lambda_A, opt.lambda_B, opt.lambda_identity) == (10.0, 10.0, 0.5)
    assert options(tmp_path, root, 'crossnet', '--pair_supervision', 'full', '--lambda_pair', '3').lambda_pair == 3.0
    assert options(tmp_path, root, 'cycle_gan', '--pair_supervision', 'full', '--lambda_pair', '10').lambda_pair == 10.0
    assert options(tmp_path, root, 'cycle_gan').lambda_pair_gan == 0.0
    with pytest.raises(UserError, match='--pair_supervision full needs --explicit_pairs, which only --dataset_mode unaligned'):
        options(tmp_path, root, 'cycle_gan', '--dataset_mode', 'single', '--pair_supervision', 'full')


@pytest.mark.parametrize('model_name', MODELS)
def test_checkpoints_hold_the_pair_discriminators(tmp_path, root, model_name):
    opt = options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '1')
    model, _ = stepped(opt)
    model.save_networks('latest')
    for name in ('D_pair_AB', 'D_pair_BA'):
        assert (tmp_path / 'run' / f'latest_net_{name}.pth').is_file()
    resumed = options(tmp_path, root, model_name, *explicit(root), '--lambda_pair_gan', '1', '--continue_train')
    torch.manual_seed(1)  # other initial weights: equal only if loaded
    loaded = create_model(resumed)
    loaded.setup(resumed)
    for name in ('D_pair_AB', 'D_pair_BA'):
        saved, back = getattr(model, 'net' + name).state_dict(), getattr(loaded, 'net' + name).state_dict()
        assert all(torch.equal(saved[k], back[k]) for k in saved)


@pytest.mark.slow
@pytest.mark.parametrize('model_name', MODELS)
def test_tiny_training_run(tmp_path, root, model_name):
    extra = CROSSNET_SMALL if model_name == 'crossnet' else []
    train.main(TINY + ['--dataroot', root, '--checkpoints_dir', str(tmp_path), '--name', 'm', '--model', model_name,
                       '--seed', '0', '--print_freq', '1', '--max_dataset_size', '2', *explicit(root),
                       '--lambda_pair_gan', '1'] + extra)
    log = (tmp_path / 'm' / 'loss_log.txt').read_text()
    assert ' pair_GAN: ' in log and ' D_pair: ' in log
    assert (tmp_path / 'm' / 'latest_net_D_pair_BA.pth').is_file()
