"""Whether a training run starts fresh or continues, decided once at start-up before anything is
written, so that no command line can quietly replace a trained run:

    (default)               start fresh; refused when --name already holds checkpoints
    --continue_train        continue from the checkpoint --epoch names (upstream's flag)
    --continue_train auto   continue if a training state is there, else start fresh: the same
                            command line is right for the first start and every restart
    --start_over            start fresh on purpose; the old run is moved into a replaced_<time> folder

A training state is complete whenever it exists (it is saved as one set with its network files), so
its presence is the test. Under torchrun every process decides alike; only rank 0 moves files."""
import glob
import os
import time

from util import distributed
from util.errors import UserError
from util.util import remove_temporaries

AUTO = 'auto'


def continue_mode(text):
    """argparse type of --continue_train's optional value (alone it means continue)."""
    if text != AUTO:
        raise UserError(f"--continue_train takes no value or '{AUTO}', got {text!r}")
    return AUTO


def load_label(opt):
    """The checkpoint label --continue_train loads: iter_<--load_iter> or --epoch."""
    return f'iter_{opt.load_iter}' if opt.load_iter > 0 else opt.epoch


def state_path(opt, label=None):
    """<checkpoints_dir>/<name>/<label>_train_state.pth (default: the one --continue_train loads)."""
    label = label or load_label(opt)
    return os.path.join(opt.checkpoints_dir, opt.name, f'{label}_train_state.pth')


def trained_files(folder):
    """The checkpoint files a fresh run would replace."""
    return sorted(os.path.basename(f) for pattern in ('*_net_*.pth', '*_train_state.pth')
                  for f in glob.glob(os.path.join(glob.escape(folder), pattern)))


def decide(opt):
    """Set opt.continue_train to True or False by the policy above, or refuse in one line."""
    folder = os.path.join(opt.checkpoints_dir, opt.name)
    remove_temporaries(folder)  # completes a save a kill interrupted while renaming, or drops its files
    if opt.start_over:
        if opt.continue_train:
            raise UserError('--start_over and --continue_train contradict each other: give one of them')
        opt.continue_train = False
        if distributed.is_main():
            _move_aside(folder)
        return
    if opt.continue_train is True:
        return
    trained = trained_files(folder)
    state = state_path(opt)
    if opt.continue_train == AUTO and os.path.isfile(state):
        opt.continue_train = True
        return
    opt.continue_train = False
    if not trained:
        if 'continue_train' in opt.explicit:
            print(f'--continue_train auto: no {os.path.basename(state)} in {folder}: starting fresh')
        return
    if 'continue_train' in opt.explicit:
        raise UserError(f'--continue_train auto: {folder} holds checkpoints ({_listed(trained)}) but no '
                        f'{os.path.basename(state)} to continue exactly; continue from the network files with '
                        f'--continue_train (fresh optimizers), or train from scratch with --start_over')
    raise UserError(f'{folder} already holds a trained run ({_listed(trained)}); continue it with --continue_train '
                    f'(or --continue_train auto), or train from scratch with --start_over (the old files are '
                    f'moved into a replaced_<time> folder), or choose another --name')


def _listed(files):
    return ', '.join(files[:3]) + (f' and {len(files) - 3} more' if len(files) > 3 else '')


def _move_aside(folder):
    """Move everything of the previous run (checkpoints, options, log, web page) into a new subfolder."""
    old = [name for name in os.listdir(folder) if not name.startswith('replaced_')] if os.path.isdir(folder) else []
    if not old:
        return
    target = os.path.join(folder, time.strftime('replaced_%Y%m%d-%H%M%S', time.gmtime()))
    os.makedirs(target)
    for name in old:
        os.replace(os.path.join(folder, name), os.path.join(target, name))
    print(f'--start_over: the previous run of {folder} is now in {target}')
