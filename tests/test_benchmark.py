"""scripts/benchmark.py: one row per model and speed variant, each with measured speeds."""
from scripts import benchmark


def test_one_row_per_model_and_variant(tmp_path, capsys):
    rows = benchmark.main(['--models', 'cycle_gan,crossnet', '--size', '32', '--ngf', '4', '--ndf', '4', '--iters', '2',
                           '--warmup', '1', '--gpu_ids', '-1', '--tmp', str(tmp_path),
                           '--variants', 'fp32:;bf16:--precision bf16 --channels_last'])
    assert [r['model'] for r in rows] == ['cycle_gan (fp32)', 'cycle_gan (bf16)', 'crossnet (fp32)', 'crossnet (bf16)']
    assert all(r['train_it_s'] > 0 and r['infer_img_s'] > 0 and r['peak_mb'] > 0 for r in rows)
    assert capsys.readouterr().out.count('| crossnet (bf16) |') == 1
