"""Progress bars (tqdm) that stay out of logs: drawn only on a terminal (not with a file, a pipe
or --no_progress), so a log holds the printed lines and no carriage returns. Lines printed while
a bar is drawn go through `write`, which keeps the bar whole."""
import sys

from tqdm import tqdm


def bar(iterable, total=None, desc=None, enabled=True, file=None, unit='it'):
    """`iterable` wrapped in a tqdm bar (iterations/s, ETA), or a disabled bar off a terminal."""
    file = file or sys.stderr
    on_tty = hasattr(file, 'isatty') and file.isatty()
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=file, dynamic_ncols=True,
                leave=False, disable=not (enabled and on_tty))


def write(message, file=None):
    """Print a line without breaking a bar that is being drawn."""
    tqdm.write(message, file=file)
