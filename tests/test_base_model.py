import os

import pytest
import torch

from conftest import TINY
from models import available_models, create_model, find_model_using_name
from models.base_model import BaseModel
from options import test_options
from options.train_options import TrainOptions
from util.errors import UserError


def tiny_model(root, tmp_path, *args):
    opt = TrainOptions().parse(['--dataroot', root, '--checkpoints_dir', str(tmp_path / 'ck'), *TINY, *args])
    model = create_model(opt)
    model.setup(opt)
    return model, opt


def test_registry_lists_model_files():
    assert {'cycle_gan', 'pix2pix', 'test', 'template'} <= set(available_models())
    assert issubclass(find_model_using_name('template'), BaseModel)


def test_save_load_round_trip(unaligned_root, tmp_path):
    model, opt = tiny_model(unaligned_root, tmp_path)
    model.save_networks('7')
    assert sorted(os.listdir(model.save_dir)) == [f'7_net_{n}.pth' for n in ('D_A', 'D_B', 'G_A', 'G_B')]
    before = {k: v.clone() for k, v in model.netG_A.state_dict().items()}
    for p in model.netG_A.parameters():
        p.data.add_(1.0)
    model.load_networks('7')
    assert all(torch.equal(before[k], v) for k, v in model.netG_A.state_dict().items())


def test_missing_checkpoint_lists_what_exists(unaligned_root, tmp_path):
    model, _ = tiny_model(unaligned_root, tmp_path)
    model.save_networks('3')
    with pytest.raises(UserError, match=r'latest_net_G_A.pth not found; available --epoch values: 3'):
        model.load_networks('latest')


def test_nets_of_another_model_name_the_option(unaligned_root, tmp_path):
    model, opt = tiny_model(unaligned_root, tmp_path)
    model.save_networks('latest')
    test_opt = test_options.TestOptions().parse(['--dataroot', unaligned_root, '--checkpoints_dir', str(tmp_path / 'ck'),
                                                 '--gpu_ids', '-1', '--ngf', '4', '--model', 'test', '--no_dropout'])
    with pytest.raises(UserError, match=r'latest_net_G.pth not found; the folder holds nets D_A, D_B, G_A, G_B for '
                                        r'--epoch latest: .*--model_suffix _A'):
        create_model(test_opt).setup(test_opt)


def test_a_listed_loss_without_its_attribute_is_one_warning(unaligned_root, tmp_path, capsys):
    model, _ = tiny_model(unaligned_root, tmp_path)
    model.loss_G_A = torch.tensor(0.5)
    model.loss_names = ['G_A', 'loss_G']  # upstream's template lists 'loss_G' for self.loss_G
    assert model.get_current_losses() == {'G_A': 0.5}
    assert model.get_current_losses() == {'G_A': 0.5}
    err = capsys.readouterr().err
    assert err.count('warning:') == 1 and "lists 'loss_G'" in err and 'loss_loss_G' in err


def test_mismatched_checkpoint_names_the_options(unaligned_root, tmp_path):
    model, opt = tiny_model(unaligned_root, tmp_path)
    model.save_networks('latest')
    bigger, _ = tiny_model(unaligned_root, tmp_path, '--netG', 'resnet_6blocks')
    with pytest.raises(UserError, match='--netG'):
        bigger.load_networks('latest')


def test_truncated_checkpoint_is_a_clear_error(unaligned_root, tmp_path):
    model, _ = tiny_model(unaligned_root, tmp_path)
    model.save_networks('latest')
    path = os.path.join(model.save_dir, 'latest_net_G_A.pth')
    with open(path, 'r+b') as f:
        f.truncate(100)
    with pytest.raises(UserError, match='truncated'):
        model.load_networks('latest')


def test_old_upstream_keys_load(unaligned_root, tmp_path):
    """DataParallel prefixes and pre-0.4 InstanceNorm running stats, as old upstream files have."""
    model, _ = tiny_model(unaligned_root, tmp_path)
    state = {'module.' + k: v for k, v in model.netG_A.state_dict().items()}
    state['module.model.2.running_mean'] = torch.zeros(4)
    state['module.model.2.running_var'] = torch.ones(4)
    os.makedirs(model.save_dir, exist_ok=True)
    for name in model.model_names:
        net_state = state if name == 'G_A' else getattr(model, 'net' + name).state_dict()
        torch.save(net_state, os.path.join(model.save_dir, f'old_net_{name}.pth'))
    model.load_networks('old')


def test_optimizers_and_visuals_follow_names(unaligned_root, tmp_path):
    model, _ = tiny_model(unaligned_root, tmp_path)
    batch = {'A': torch.randn(1, 3, 32, 32), 'B': torch.randn(1, 3, 32, 32), 'A_paths': ['a'], 'B_paths': ['b']}
    model.set_input(batch)
    model.optimize_parameters()
    losses = model.get_current_losses()
    assert list(losses) == model.loss_names and all(isinstance(v, float) for v in losses.values())
    assert list(model.get_current_visuals()) == model.visual_names
    assert len(model.schedulers) == len(model.optimizers) == 2
