"""Read the loss_log.txt that util/visualizer.py writes, to report a run's final losses."""
import math
import re

HEADER = '================ Training Loss'
LINE = re.compile(r'^\(epoch: (\d+), iters: \d+, time: [^,]+, data: [^)]+\) (.*)$')
TERM = re.compile(r'(\w+): (\S+)')


def read_loss_log(path):
    """[(epoch, {term: value})] of the last training session in `path` (a resumed or repeated run
    appends a new header; only what follows the last one describes the saved weights)."""
    entries = []
    with open(path) as f:
        for line in f:
            if line.startswith(HEADER):
                entries = []
            match = LINE.match(line.strip())
            if match:
                entries.append((int(match.group(1)), {k: float(v) for k, v in TERM.findall(match.group(2))}))
    return entries


def final_losses(path):
    """Each term averaged over the lines of the last logged epoch: with batch size 1 a single line
    is one image's loss, too noisy to compare runs by. {} when nothing was logged."""
    entries = read_loss_log(path)
    if not entries:
        return {}
    last = entries[-1][0]
    lines = [losses for epoch, losses in entries if epoch == last]
    terms = dict.fromkeys(k for losses in lines for k in losses)
    return {k: math.fsum(losses[k] for losses in lines if k in losses) / sum(k in losses for losses in lines)
            for k in terms}
