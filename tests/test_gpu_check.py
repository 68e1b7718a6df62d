"""scripts/gpu_check.py --smoke: every stage of the GPU check runs, tiny, on the CPU, and the file
it writes holds every table."""
import pytest

from scripts import gpu_check
from util.errors import UserError


@pytest.mark.slow  # over a minute of CPU: 16 benchmark rows, four of them compiled
def test_smoke_run_writes_every_stage(tmp_path):
    out = tmp_path / 'check.md'
    text = gpu_check.main(['--smoke', '--out', str(out)])
    assert out.read_text() == text
    for batch in (1, 2):
        assert f'batch {batch},' in text
    for name in ('fp32', 'bf16', 'bf16+cl', 'bf16+cl+compile'):
        assert text.count(f'| cycle_gan ({name}) |') == 2 and text.count(f'| crossnet ({name}) |') == 2
    assert 'MFU' in text and 'fp32 matmul' in text and 'load average' in text.lower()
    assert '| 0 | False |' in text and '| 1 | False |' in text, 'the loader with and without a worker'
    assert 'checkpoint written: True' in text and 'python train.py ' in text


def test_without_a_gpu_the_real_check_says_what_to_do(monkeypatch):
    monkeypatch.setattr(gpu_check.torch.cuda, 'is_available', lambda: False)
    with pytest.raises(UserError, match='--smoke'):
        gpu_check.main(['--out', 'unused.md'])
