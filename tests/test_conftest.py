"""The suite's own guard: a process a test leaves behind is found, killed and named at the end,
so that it can neither keep CI waiting nor pass unnoticed."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEAVING = '''import multiprocessing
import signal
import subprocess
import time


def deaf_sleep():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as a data loader worker here does
    time.sleep(302)


def test_leaves_a_sleeper():
    subprocess.Popen(["sleep", "301"], start_new_session=True)


def test_leaves_a_forked_child_that_ignores_sigterm():
    multiprocessing.Process(target=deaf_sleep, daemon=True, name="deaf").start()
'''


def test_processes_left_behind_are_killed_and_named(tmp_path):
    (tmp_path / 'test_leave.py').write_text(LEAVING)
    env = {**os.environ, 'PYTHONPATH': os.path.join(ROOT, 'tests')}
    run = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'conftest', '-p', 'no:cacheprovider',
                          str(tmp_path / 'test_leave.py')], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    _, section = run.stdout.split('processes left behind by tests (killed)')
    lines = dict(line.split(': ', 1) for line in section.splitlines() if ': ' in line)
    assert sorted(lines.values()) == ['forked child deaf of the test session', 'sleep 301'], run.stdout
    for pid in lines:
        assert not os.path.exists(f'/proc/{pid}') or open(f'/proc/{pid}/stat').read().split()[2] == 'Z'
