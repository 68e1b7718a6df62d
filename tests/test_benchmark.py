"""scripts/benchmark.py: one row per model and speed variant, each with measured speeds, the FLOPs
of a step and the fraction of the peak measured in the same run."""
import torch

from scripts import benchmark
from scripts import roofline


def test_one_row_per_model_and_variant(tmp_path, capsys):
    rows, peak, _ = benchmark.main(['--models', 'cycle_gan,crossnet', '--size', '32', '--ngf', '4', '--ndf', '4', '--iters', '2',
                                 '--warmup', '1', '--gpu_ids', '-1', '--tmp', str(tmp_path), '--peak_side', '64',
                                 '--variants', 'fp32:;bf16:--precision bf16 --channels_last', '--profile'])
    assert [r['model'] for r in rows] == ['cycle_gan (fp32)', 'cycle_gan (bf16)', 'crossnet (fp32)', 'crossnet (bf16)']
    assert all(r['train_it_s'] > 0 and r['infer_img_s'] > 0 and r['peak_mb'] > 0 for r in rows)
    assert rows[0]['step_flops'] == rows[1]['step_flops'], 'precision changes the speed, not the FLOPs'
    assert rows[2]['step_flops'] > rows[0]['step_flops'], 'crossnet runs more nets per step'
    assert set(peak) == {'fp32 matmul', 'fp32 conv', 'bf16 matmul', 'bf16 conv'} and min(peak.values()) > 0
    profile = rows[0]['profile']
    assert profile['convolution'] > 0 and profile['optimizer step'] > 0
    assert abs(sum(v for k, v in profile.items() if k != 'total') - profile['total']) < 1e-6 * profile['total'] + 1e-9
    out = capsys.readouterr().out
    assert out.count('| crossnet (bf16) |') == 2, 'a row in the speed table and one in the profile table'
    assert 'fp32 matmul' in out and 'load average' in out


def test_flop_count_of_a_convolution_step():
    conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
    x = torch.randn(2, 3, 16, 16)
    forward = 2 * 2 * 8 * 3 * 9 * 16 * 16
    assert roofline.count_flops(lambda: conv(x)) == forward
    # backward: the weight gradient only (x needs none), as many FLOPs again
    assert roofline.count_flops(lambda: conv(x).sum().backward()) == 2 * forward


def test_peak_for_takes_the_best_of_a_precision():
    found = {'fp32 matmul': 3.0, 'fp32 conv': 5.0, 'bf16 matmul': 7.0, 'bf16 conv': 1.0}
    assert roofline.peak_for(found, 'fp32') == 5.0 and roofline.peak_for(found, 'bf16') == 7.0
