"""The download scripts reject a missing or unknown name before touching the network."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ('datasets/download_cyclegan_dataset.sh', 'datasets/download_pix2pix_dataset.sh',
           'scripts/download_cyclegan_model.sh', 'scripts/download_pix2pix_model.sh')
KNOWN = {'datasets/download_cyclegan_dataset.sh': 'horse2zebra', 'datasets/download_pix2pix_dataset.sh': 'facades',
         'scripts/download_cyclegan_model.sh': 'style_monet', 'scripts/download_pix2pix_model.sh': 'day2night'}


@pytest.fixture
def offline_env(tmp_path):
    """PATH whose wget and curl only leave a mark, so any download attempt is caught offline."""
    fake_bin = tmp_path / 'bin'
    fake_bin.mkdir()
    for tool in ('wget', 'curl'):
        fake = fake_bin / tool
        fake.write_text(f'#!/bin/sh\ntouch "{tmp_path}/network_used"\nexit 1\n')
        fake.chmod(0o755)
    return dict(os.environ, PATH=f'{fake_bin}{os.pathsep}{os.environ["PATH"]}'), tmp_path / 'network_used'


@pytest.mark.parametrize('script', SCRIPTS)
@pytest.mark.parametrize('args', [['no_such_name'], []])
def test_unknown_or_missing_name_is_rejected(script, args, offline_env):
    env, mark = offline_env
    done = subprocess.run(['bash', str(ROOT / script)] + args, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert KNOWN[script] in done.stderr and ('unknown' in done.stderr if args else 'usage' in done.stderr)
    assert not mark.exists()
