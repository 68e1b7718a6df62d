"""training/speed.py: --precision bf16, --channels_last and --compile change how a step runs, not what it
computes (up to bf16 rounding), and leave checkpoints as without them."""
import pytest
import torch

import train
from conftest import TINY
from models import create_model
from options.train_options import TrainOptions
from training import speed


def built(root, tmp_path, *args):
    opt = TrainOptions().parse(['--dataroot', root, '--checkpoints_dir', str(tmp_path), '--name', 'speed',
                                *TINY, '--seed', '0', '--pool_size', '0', *args])
    model = create_model(opt)
    model.setup(opt)
    speed.apply(model, opt)
    return opt, model


def one_step(opt, model):
    torch.manual_seed(1)
    batch = {'A': torch.rand(1, 3, 32, 32) * 2 - 1, 'B': torch.rand(1, 3, 32, 32) * 2 - 1,
             'A_paths': ['a'], 'B_paths': ['b']}
    model.set_input(speed.layout(opt, batch))
    with speed.precision(opt, model.device):
        model.optimize_parameters()
    return model.fake_B.detach().float(), {k: v.detach().clone() for k, v in model.netG_A.state_dict().items()}


def test_bf16_runs_convolutions_in_bf16_and_keeps_fp32_weights(unaligned_root, tmp_path):
    opt, model = built(unaligned_root, tmp_path, '--precision', 'bf16')
    seen = []
    first_conv = next(m for m in model.netG_A.modules() if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    before = {k: v.clone() for k, v in model.netG_A.state_dict().items()}
    fake, after = one_step(opt, model)
    assert seen and set(seen) == {torch.bfloat16}
    assert all(v.dtype == torch.float32 and torch.isfinite(v).all() for v in after.values())
    assert any(not torch.equal(before[k], after[k]) for k in before), 'the step trained'
    reference, _ = one_step(*built(unaligned_root, tmp_path / 'fp32'))
    assert (fake - reference).abs().max() < 0.05, 'the same translation up to bf16 rounding'


def test_channels_last_computes_the_same_step(unaligned_root, tmp_path):
    opt, model = built(unaligned_root, tmp_path, '--channels_last')
    assert first_weight(model).is_contiguous(memory_format=torch.channels_last)
    nhwc, _ = one_step(opt, model)
    nchw, _ = one_step(*built(unaligned_root, tmp_path / 'nchw'))
    assert torch.allclose(nhwc, nchw, atol=1e-5)


def first_weight(model):
    return next(m for m in model.netG_A.modules() if isinstance(m, torch.nn.Conv2d)).weight


@pytest.mark.parametrize('backend', ['aot_eager'])  # inductor needs a C++ compiler; the plumbing is the same
def test_compiled_training_saves_plain_checkpoints(unaligned_root, tmp_path, backend):
    for name, extra in (('plain', []), ('compiled', ['--compile', backend])):
        train.main(['--dataroot', unaligned_root, '--name', name, '--checkpoints_dir', str(tmp_path / 'ck'), *TINY,
                    '--seed', '0', *extra])
    plain, compiled = (torch.load(tmp_path / 'ck' / n / 'latest_net_G_A.pth') for n in ('plain', 'compiled'))
    assert list(compiled) == list(plain), 'no _orig_mod. prefixes'
    assert all(torch.equal(compiled[k], plain[k]) for k in plain), "aot_eager runs the same kernels"


def test_a_cpu_run_in_bf16_says_what_the_cpu_offers(tmp_path):
    (tmp_path / 'cpuinfo').write_text('processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16 avx512_vnni\n')
    flags = speed.cpu_flags(str(tmp_path / 'cpuinfo'))
    assert 'avx512_bf16' in flags and 'no AMX' in speed.cpu_bf16_note(flags)
    assert 'faster than fp32' in speed.cpu_bf16_note(flags | {'amx_bf16'})
    assert 'emulated' in speed.cpu_bf16_note({'fpu', 'avx2'})
    assert speed.cpu_flags(str(tmp_path / 'missing')) == set()
