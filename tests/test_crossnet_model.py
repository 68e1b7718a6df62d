"""CrossNet model: shapes, which nets each loss trains, presets, checkpoints, upstream compatibility."""
import argparse
import ast
import contextlib
import importlib.util
import inspect
import io
import sys
from pathlib import Path

import pytest
import torch

import models
from models import networks
from models.base_model import BaseModel
from models.crossnet_model import PRESETS, CrossNetModel
from options import test_options
from options.train_options import TrainOptions

NGF = 4
LATENT_TERMS = ('CTC', 'ZId', 'ZCyc')
GENERATOR_NETS = ('E_ab', 'E_ba', 'Dec_a', 'Dec_b', 'T_ab', 'T_ba')


@pytest.fixture
def make_opt(tmp_path, monkeypatch):
    """Options as the command line would give them; the one place that knows the options API.

    Our options take an argument list; upstream's read sys.argv, so both are set.
    """
    def make(*args, train=True):
        argv = ['--dataroot', str(tmp_path), '--name', 'cn', '--checkpoints_dir', str(tmp_path / 'ckpt'),
                '--model', 'crossnet', '--gpu_ids', '-1', '--ngf', str(NGF), '--ndf', '4', *args]
        monkeypatch.setattr(sys, 'argv', ['train.py' if train else 'test.py'] + argv)
        options = TrainOptions() if train else test_options.TestOptions()
        with contextlib.redirect_stdout(io.StringIO()):
            if inspect.signature(options.parse).parameters:
                return options.parse(argv)
            return options.parse()
    return make


def batch(h=32, w=32, n=1, seed=0):
    """Smooth random images in [-1, 1] (upsampled 4x4 noise): learnable in a few steps, unlike pixel noise."""
    g = torch.Generator().manual_seed(seed)

    def images():
        coarse = torch.rand(n, 3, 4, 4, generator=g) * 2 - 1
        return torch.nn.functional.interpolate(coarse, size=(h, w), mode='bilinear', align_corners=True)
    return {'A': images(), 'B': images(), 'A_paths': ['a.png'] * n, 'B_paths': ['b.png'] * n}


def small(*args):
    return ('--n_blocks_E', '2', '--n_blocks_T', '2') + args


def grad_owners(model):
    """Generator nets that hold a non-zero gradient."""
    return {name for name in GENERATOR_NETS
            if any(p.grad is not None and p.grad.abs().sum() > 0 for p in getattr(model, 'net' + name).parameters())}


@pytest.mark.parametrize('h,w', [(32, 32), (48, 64), (36, 52), (64, 32)])
def test_shapes(make_opt, h, w):
    model = CrossNetModel(make_opt(*small()))
    model.set_input(batch(h, w, n=2))
    with torch.no_grad():
        model.forward()
        terms = model.generator_terms()
    assert model.fake_B.shape == model.fake_A.shape == (2, 3, h, w)
    assert model.z_b.shape == model.z_a.shape == (2, 4 * NGF, h // 4, w // 4)
    assert model.idt_A.shape == model.zid_B.shape == (2, 3, h, w)
    assert set(terms) == {'GAN', 'Id', 'CTC', 'ZId', 'ZCyc'}


@pytest.mark.parametrize('term,owners', [
    ('GAN', {'E_ab', 'E_ba', 'Dec_a', 'Dec_b'}),
    ('Id', {'E_ab', 'E_ba', 'Dec_a', 'Dec_b'}),
    ('CTC', {'E_ab', 'E_ba', 'T_ab', 'T_ba'}),
    ('ZId', {'E_ab', 'E_ba', 'T_ab', 'T_ba', 'Dec_a', 'Dec_b'}),
    ('ZCyc', {'E_ab', 'E_ba', 'T_ab', 'T_ba'}),
    ('cycle', {'E_ab', 'E_ba', 'Dec_a', 'Dec_b'}),
])
def test_each_term_alone_trains_its_data_path(make_opt, term, owners):
    """One weight on, the rest 0: only that term is computed and only its paper data path gets gradient."""
    weights = [arg for t in ('GAN', 'Id', 'CTC', 'ZId', 'ZCyc', 'cycle') for arg in ('--lambda_' + t, '1' if t == term else '0')]
    model = CrossNetModel(make_opt(*small(*weights)))
    assert model.loss_names == ([term, 'D_a', 'D_b'] if term == 'GAN' else [term])
    model.set_input(batch())
    model.forward()
    model.set_requires_grad([model.netQ_a, model.netQ_b], False)
    model.backward_G()
    assert grad_owners(model) == owners
    assert all(p.grad is None for q in (model.netQ_a, model.netQ_b) for p in q.parameters())


@pytest.mark.parametrize('term', ['GAN', 'Id', 'CTC', 'ZId', 'ZCyc'])
def test_zero_weight_removes_term(make_opt, term):
    model = CrossNetModel(make_opt(*small('--lambda_' + term, '0')))
    model.set_input(batch())
    model.forward()
    assert term not in model.generator_terms()
    assert term not in model.loss_names
    model.optimize_parameters()
    assert set(model.get_current_losses()) == set(model.loss_names)


def test_translators_untouched_without_latent_terms(make_opt):
    model = CrossNetModel(make_opt(*small('--crossnet_mode', 'gan_id')))
    before = {n: [p.detach().clone() for p in getattr(model, 'net' + n).parameters()] for n in ('T_ab', 'T_ba')}
    model.set_input(batch())
    for _ in range(2):
        model.optimize_parameters()
    for name, params in before.items():
        for old, new in zip(params, getattr(model, 'net' + name).parameters()):
            assert new.grad is None and torch.equal(old, new)
    assert model.loss_names == ['GAN', 'D_a', 'D_b', 'Id']


def test_discriminator_step_updates_only_Q(make_opt):
    model = CrossNetModel(make_opt(*small()))
    model.set_input(batch())
    model.optimize_parameters()
    snapshot = {n: [p.detach().clone() for p in getattr(model, 'net' + n).parameters()] for n in model.model_names}
    model.forward()
    model.set_requires_grad([model.netQ_a, model.netQ_b], True)
    model.optimizer_D.zero_grad()
    model.backward_Q(model.netQ_b, model.real_B, model.fake_B)
    model.optimizer_D.step()
    changed = {n for n, ps in snapshot.items() if any(not torch.equal(a, b) for a, b in zip(ps, getattr(model, 'net' + n).parameters()))}
    assert changed == {'Q_b'}


def test_presets_and_explicit_override(make_opt):
    assert set(PRESETS) == {'full', 'gan_id', 'ctc', 'zid', 'zcyc'}
    opt = make_opt('--crossnet_mode', 'zid')
    assert (opt.lambda_GAN, opt.lambda_Id, opt.lambda_CTC, opt.lambda_ZId, opt.lambda_ZCyc) == (1, 3, 0, 6, 0)
    opt = make_opt('--lambda_CTC', '5', '--crossnet_mode', 'gan_id')
    assert (opt.lambda_CTC, opt.lambda_ZId, opt.lambda_ZCyc, opt.lambda_cycle) == (5, 0, 0, 0)


def test_short_run_lowers_identity_losses(make_opt):
    torch.manual_seed(0)
    model = CrossNetModel(make_opt('--n_blocks_E', '1', '--n_blocks_T', '1', '--lr', '0.002'))
    model.set_input(batch())
    history = []
    for _ in range(20):
        model.optimize_parameters()
        history.append(model.get_current_losses())
    for term in ('Id', 'ZId'):
        assert sum(h[term] for h in history[-3:]) < 0.85 * sum(h[term] for h in history[:3]), term


def test_direction_swaps_domains(make_opt):
    model = CrossNetModel(make_opt(*small('--direction', 'BtoA')))
    data = batch()
    model.set_input(data)
    assert torch.equal(model.real_A, data['B']) and model.image_paths == data['B_paths']


def translate(model, x):
    model.set_input({'A': x, 'B': x, 'A_paths': ['x'], 'B_paths': ['x']})
    model.test()
    return model.fake_B, model.fake_A


def test_save_load_round_trip_and_test_phase(make_opt, tmp_path):
    model = CrossNetModel(make_opt(*small()))
    model.set_input(batch())
    model.optimize_parameters()
    model.save_networks('latest')
    saved = sorted(p.name for p in (tmp_path / 'ckpt' / 'cn').glob('latest_net_*.pth'))
    assert saved == sorted('latest_net_%s.pth' % n for n in model.model_names + ['G_A', 'G_B'])

    restored = CrossNetModel(make_opt(*small()))
    restored.load_networks('latest')
    for name in model.model_names:
        a, b = getattr(model, 'net' + name).state_dict(), getattr(restored, 'net' + name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name

    tester = models.create_model(make_opt('--n_blocks_E', '2', train=False))
    with contextlib.redirect_stdout(io.StringIO()):
        tester.setup(tester.opt)
    assert tester.model_names == ['E_ab', 'Dec_b', 'E_ba', 'Dec_a']
    assert tester.visual_names == ['real_A', 'fake_B', 'real_B', 'fake_A']
    tester.eval()
    model.eval()
    x = batch()['A']
    for ours, theirs in zip(translate(model, x), translate(tester, x)):
        assert torch.equal(ours, theirs)


def test_G_A_is_an_upstream_resnet_generator(make_opt):
    """The exported G_A/G_B load in `--model test --netG resnet_9blocks` and translate like CrossNet."""
    model = CrossNetModel(make_opt('--n_blocks_T', '1'))
    model.set_input(batch())
    model.optimize_parameters()
    model.save_networks('latest')
    reference = networks.define_G(3, 3, NGF, 'resnet_9blocks', 'instance', False, 'normal', 0.02, [])
    expected = {k: v.shape for k, v in reference.state_dict().items()}
    for name in ('G_A', 'G_B'):
        assert {k: v.shape for k, v in getattr(model, 'net' + name).state_dict().items()} == expected

    model.eval()
    x = batch(seed=1)['A']
    fake_B, fake_A = translate(model, x)
    for suffix, expected_out in (('_A', fake_B), ('_B', fake_A)):
        opt = make_opt('--model', 'test', '--netG', 'resnet_9blocks', '--no_dropout', '--model_suffix', suffix, train=False)
        tester = models.create_model(opt)
        with contextlib.redirect_stdout(io.StringIO()):
            tester.setup(opt)
        tester.eval()
        tester.set_input({'A': x, 'A_paths': ['x']})
        tester.test()
        assert torch.allclose(tester.fake, expected_out, atol=1e-6), suffix


def test_fits_the_late_2025_api(make_opt, monkeypatch):
    """That API has no self.gpu_ids and no gpu_ids argument in init_net / define_D."""
    opt = make_opt(*small())
    init_net, define_D, base_init = networks.init_net, networks.define_D, BaseModel.__init__

    def base_init_2025(self, opt):
        base_init(self, opt)
        del self.gpu_ids
    def define_D_2025(input_nc, ndf, netD, n_layers_D=3, norm='batch', init_type='normal', init_gain=0.02):
        with monkeypatch.context() as inside:  # define_D's own init_net call keeps today's signature
            inside.setattr(networks, 'init_net', init_net)
            return define_D(input_nc, ndf, netD, n_layers_D, norm, init_type, init_gain)
    monkeypatch.setattr(BaseModel, '__init__', base_init_2025)
    monkeypatch.setattr(networks, 'init_net', lambda net, init_type='normal', init_gain=0.02: init_net(net, init_type, init_gain))
    monkeypatch.setattr(networks, 'define_D', define_D_2025)
    model = CrossNetModel(opt)
    assert not hasattr(model, 'gpu_ids')
    model.set_input(batch())
    model.optimize_parameters()


# Our own modules the file may use, each only inside `try: ... except ModuleNotFoundError:` (upstream lacks them).
OPTIONAL_IMPORTS = {'gan_options': {'GANTerms', 'add_gan_options'}, 'pair_supervision': {'PairSupervision', 'add_pair_options'}}


def _guarded(tree):
    """The import nodes inside a `try` whose handler catches ModuleNotFoundError (and nothing wider)."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(isinstance(h.type, ast.Name) and h.type.id == 'ModuleNotFoundError'
                                             for h in node.handlers):
            assert all(isinstance(h.type, ast.Name) and h.type.id == 'ModuleNotFoundError' for h in node.handlers)
            guarded |= {id(n) for n in node.body if isinstance(n, (ast.Import, ast.ImportFrom))}
    return guarded


def test_imports_are_the_plugin_contract():
    """Drop-in rule: the file may import only what upstream's models/ folder offers, plus exactly
    the optional modules of OPTIONAL_IMPORTS behind a ModuleNotFoundError guard."""
    tree = ast.parse(Path(models.__file__).with_name('crossnet_model.py').read_text())
    allowed = {('import', 'torch', None), ('import', 'itertools', None), ('from', 'base_model', 1),
               ('from', None, 1), ('from', 'util.image_pool', 0)}
    seen, optional, guarded = set(), {}, _guarded(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert id(node) not in guarded
            seen |= {('import', alias.name, None) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if id(node) in guarded:
                assert node.level == 1, node.module
                optional[node.module] = names
                continue
            seen.add(('from', node.module, node.level))
            assert names <= {'BaseModel', 'networks', 'ImagePool'}, names
    assert seen <= allowed, seen - allowed
    assert optional == OPTIONAL_IMPORTS
    used = {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == 'networks'}
    assert used <= {'define_G', 'define_D', 'GANLoss', 'init_net', 'get_norm_layer', 'ResnetBlock', 'ResnetGenerator'}, used


def _load_as_upstream():
    """crossnet_model.py executed afresh, as a module of its own in the models package."""
    source = Path(models.__file__).with_name('crossnet_model.py')
    spec = importlib.util.spec_from_file_location('models.crossnet_upstream', source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trains_without_the_optional_modules(make_opt, monkeypatch):
    """As in upstream's models/ folder: the guarded imports find no module, the file still loads and
    trains with plain GANLoss through its stand-ins, and our GAN and pair options are not added."""
    for module in OPTIONAL_IMPORTS:
        monkeypatch.setitem(sys.modules, 'models.' + module, None)  # `import` then raises ModuleNotFoundError
    upstream = _load_as_upstream()
    assert upstream.GANTerms.__module__ == upstream.PairSupervision.__module__ == 'models.crossnet_upstream'
    parser = argparse.ArgumentParser()
    upstream.CrossNetModel.modify_commandline_options(parser, True)
    assert not {'real_label', 'lambda_feat', 'lambda_gp', 'lambda_pair', 'lambda_pair_gan'} & {a.dest for a in parser._actions}
    model = upstream.CrossNetModel(make_opt(*small()))
    assert isinstance(model.gan, upstream.GANTerms) and model.criterionQ is model.criterionGAN
    assert isinstance(model.criterionGAN, networks.GANLoss)
    model.set_input(batch())
    model.optimize_parameters()
    assert set(model.get_current_losses()) == {'GAN', 'D_a', 'D_b', 'Id', 'CTC', 'ZId', 'ZCyc'}


class _Broken:
    """A finder under which importing `name` fails with `error`, as a bug inside that module would."""

    def __init__(self, name, error):
        self.name, self.error = name, error

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            raise self.error
        return None


@pytest.mark.parametrize('error', [ModuleNotFoundError("No module named 'scipy'", name='scipy'),
                                   ImportError("cannot import name 'GANLoss' from 'models.losses'")],
                         ids=['a missing dependency', 'a missing name'])
def test_an_error_inside_an_optional_module_is_raised(monkeypatch, error):
    """Only the optional module's own absence turns the extras off; an import error inside it is a bug to see."""
    monkeypatch.delitem(sys.modules, 'models.gan_options')
    monkeypatch.setattr(sys, 'meta_path', [_Broken('models.gan_options', error)] + sys.meta_path)
    with pytest.raises(type(error), match=str(error).split("'")[1]):
        _load_as_upstream()
