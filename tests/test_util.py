import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import ROOT
from util import util
from util.errors import UserError, run_cli, short_message
from util.image_pool import ImagePool


def test_tensor2im_range_and_grey():
    image = util.tensor2im(torch.tensor([[[[-1.0, 0.0], [1.0, 0.5]]]]))
    assert image.shape == (2, 2, 3) and image.dtype == np.uint8
    assert image[..., 0].tolist() == [[0, 128], [255, 191]]


def test_image_pool_keeps_size_and_history():
    pool = ImagePool(2)
    first = pool.query(torch.zeros(2, 1, 1, 1))
    assert first.shape == (2, 1, 1, 1) and pool.num_imgs == 2
    torch.manual_seed(0)
    mixed = torch.cat([pool.query(torch.ones(1, 1, 1, 1)) for _ in range(40)])
    assert set(mixed.flatten().tolist()) == {0.0, 1.0}, 'returns both stored and new images'
    assert ImagePool(0).query(torch.ones(3, 1)).shape == (3, 1)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'latest_net_G.pth')
    util.atomic_torch_save({'w': torch.ones(3)}, path)

    def broken_save(obj, f):
        f.write(b'partial')
        raise OSError('disk full')
    monkeypatch.setattr(torch, 'save', broken_save)
    with pytest.raises(UserError, match=r'cannot write .*latest_net_G.pth: disk full; the previous file is intact'):
        util.atomic_torch_save({'w': torch.zeros(3)}, path)
    monkeypatch.undo()
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['latest_net_G.pth'], 'no temporary file left behind'


def test_kill_during_save_leaves_a_whole_checkpoint(tmp_path):
    """SIGKILL a process that keeps rewriting a 64 MB checkpoint: the file always loads whole."""
    path = str(tmp_path / 'latest_net_G.pth')
    code = ('import sys, torch; sys.path.insert(0, sys.argv[2]); from util.util import atomic_torch_save\n'
            'i = 0\n'
            'while True:\n'
            '    atomic_torch_save({"i": i, "w": torch.full((16 * 2 ** 20,), float(i))}, sys.argv[1]); i += 1\n'
            '    print(i, flush=True)\n')
    proc = subprocess.Popen([sys.executable, '-c', code, path, ROOT], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = torch.load(path)
    assert state['w'].numel() == 16 * 2 ** 20 and bool((state['w'] == state['i']).all())
    left = [f for f in os.listdir(tmp_path) if f != 'latest_net_G.pth']
    assert left in ([], ['.latest_net_G.pth.tmp']), left
    util.remove_temporaries(str(tmp_path))
    assert os.listdir(tmp_path) == ['latest_net_G.pth']


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        (tmp_path / '.a.pth.tmp').write_bytes(b'left by a kill')
        os.chmod(tmp_path / '.a.pth.tmp', 0o600)
        util.atomic_torch_save({'w': torch.ones(1)}, str(tmp_path / 'a.pth'))
        util.atomic_write_text(str(tmp_path / 'train_opt.txt'), 'x')
    finally:
        os.umask(old)
    assert sorted(os.listdir(tmp_path)) == ['a.pth', 'train_opt.txt']
    assert {oct(os.stat(tmp_path / f).st_mode & 0o777) for f in os.listdir(tmp_path)} == {'0o644'}


def test_torch_writer_failure_is_one_line(tmp_path, monkeypatch):
    def full_disk(obj, f):
        raise RuntimeError('[enforce fail at inline_container.cc:626] . unexpected pos 64 vs 0')
    monkeypatch.setattr(torch, 'save', full_disk)
    with pytest.raises(UserError, match=r'cannot write .*a.pth: torch could not write .*bytes free.*nothing was written'):
        util.atomic_torch_save({}, str(tmp_path / 'a.pth'))
    assert os.listdir(tmp_path) == []


def test_file_system_errors_end_in_one_line(tmp_path, capsys):
    def write_into_a_file():
        util.mkdir(str(tmp_path / 'f'))
        open(tmp_path / 'f' / 'x', 'w')
    (tmp_path / 'f').write_text('a file, not a folder')
    with pytest.raises(SystemExit) as exit_:
        run_cli(write_into_a_file)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f'error: cannot create folder {tmp_path / "f"}: File exists\n'

    def open_a_file_in_a_file():
        open(tmp_path / 'f' / 'x', 'w')
    with pytest.raises(SystemExit):
        run_cli(open_a_file_in_a_file)
    assert capsys.readouterr().err == f'error: {tmp_path / "f" / "x"}: Not a directory\n'


def test_short_message_of_a_worker_error():
    wrapped = UserError('Caught UserError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):\n'
                        '  File "x.py", line 1\nutil.errors.UserError: cannot read image a.png: broken')
    assert short_message(wrapped) == 'cannot read image a.png: broken'


def test_staged_folder_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / 'test_latest'
    with util.staged_folder(str(target)) as stage:
        for name in 'abcd':
            (Path(stage) / f'{name}.png').write_text(name)
    with util.staged_folder(str(target)) as stage:  # a shorter second run
        (Path(stage) / 'a.png').write_text('new')
    assert sorted(os.listdir(target)) == ['a.png'] and (target / 'a.png').read_text() == 'new'
    with pytest.raises(RuntimeError):
        with util.staged_folder(str(target)) as stage:
            (Path(stage) / 'b.png').write_text('half')
            raise RuntimeError('failed mid-way')
    assert sorted(os.listdir(tmp_path)) == ['test_latest'] and os.listdir(target) == ['a.png']
    os.rename(target, tmp_path / '.test_latest.old')  # a kill between the swap's two renames
    (tmp_path / '.test_latest.partial').mkdir()
    with util.staged_folder(str(target)):
        assert (target / 'a.png').exists(), 'the old results are back before anything else happens'
    assert sorted(os.listdir(tmp_path)) == ['test_latest'] and os.listdir(target) == []


def test_unique_name_numbers_the_repeats():
    taken = []
    for stem in ['img', 'img', 'c', 'img', 'img_2']:
        taken.append(util.unique_name(stem, taken.__contains__))
    assert taken == ['img', 'img_2', 'c', 'img_3', 'img_2_2']


def test_a_set_is_renamed_only_once_all_its_files_are_written(tmp_path):
    names = ['latest_net_G.pth', 'latest_net_D.pth', 'latest_train_state.pth']
    with util.together(str(tmp_path)):
        for name in names:
            util.atomic_torch_save({'step': 1}, str(tmp_path / name))
        assert sorted(os.listdir(tmp_path)) == sorted(f'.{n}.tmp' for n in names), 'nothing renamed yet'
    with pytest.raises(UserError, match='no space'):
        with util.together(str(tmp_path)):
            util.atomic_torch_save({'step': 2}, str(tmp_path / names[0]))
            raise UserError('no space')  # as a full disk while writing the second file
    assert sorted(os.listdir(tmp_path)) == sorted(names), 'no temporary or journal left'
    assert {torch.load(tmp_path / n)['step'] for n in names} == {1}, 'the previous set, whole'


def test_a_set_killed_while_renaming_is_completed_at_the_next_start(tmp_path, monkeypatch, capsys):
    names = ['latest_net_G.pth', 'latest_net_D.pth', 'latest_train_state.pth']
    with util.together(str(tmp_path)):
        for name in names:
            util.atomic_torch_save({'step': 1}, str(tmp_path / name))
    replace = os.replace

    def die_after_the_first_rename(src, dst):
        if src.endswith('.latest_net_D.pth.tmp'):
            raise KeyboardInterrupt  # stands for the kill: nothing after it runs
        replace(src, dst)
    monkeypatch.setattr(os, 'replace', die_after_the_first_rename)
    with pytest.raises(KeyboardInterrupt):
        with util.together(str(tmp_path)):
            for name in names:
                util.atomic_torch_save({'step': 2}, str(tmp_path / name))
    monkeypatch.undo()
    assert [torch.load(tmp_path / n)['step'] for n in names] == [2, 1, 1], 'a mix, marked by the journal'
    assert util.JOURNAL in os.listdir(tmp_path)
    (tmp_path / '.other.pth.tmp').write_bytes(b'left by a write outside the set')
    assert util.remove_temporaries(str(tmp_path)) == names[1:]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    assert {torch.load(tmp_path / n)['step'] for n in names} == {2}, 'completed: every file from the second save'
    assert f'completed the save that was interrupted while its files were renamed in {tmp_path}' in capsys.readouterr().out


def test_a_save_in_progress_holds_readers_and_tidying_off(tmp_path):
    """test.py's read (a shared lock) and remove_temporaries (an exclusive one) wait for a save."""
    def shared_lock_refused():
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
    with util.together(str(tmp_path)):
        util.atomic_torch_save({'step': 1}, str(tmp_path / 'a.pth'))
        assert shared_lock_refused()
    assert not shared_lock_refused()
    with util.locked(str(tmp_path), shared=True):
        assert not shared_lock_refused(), 'readers share'
