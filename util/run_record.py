"""The run record <checkpoints>/<name>/run_record.jsonl: every value the training loop logs, one JSON
object a line, for programs (the report, curves after a restart, scripts, notebooks); loss_log.txt
says the same for people.

Two kinds of entry, both with the epoch and the iteration count ('iters', images trained on):
    {"kind": "losses", "epoch": 2, "iters": 300, "epoch_iter": 100, "progress": 1.5,
     "losses": {"G_A": 0.61, ...}, "lr": {"G": 0.0002, "D": 0.0002},
     "images_per_s": 7.9, "t_comp": 0.12, "t_data": 0.001, "time": 1796157000.0}
    {"kind": "metric", "epoch": 2, "iters": 400, "name": "fid", "value": 81.2, "time": ...}
'progress' is the epochs done (epoch - 1 + the share of this epoch), the x of every curve.

Each line is one write to a descriptor opened for appending, so a kill leaves whole lines (at
worst a torn last one, which read() skips). --continue_train cuts the record back to the entries
its checkpoint had seen, so a resumed run holds each logged iteration once.
"""
import json
import math
import os
import time

from util.util import atomic_write_text

FILE = 'run_record.jsonl'


def path_of(run_dir):
    return os.path.join(run_dir, FILE)


def read(path):
    """The entries of the record at `path`, oldest first ([] when none), without a torn last line."""
    if not os.path.isfile(path):
        return []
    entries = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            try:
                entries.append(json.loads(line))
            except ValueError:
                break
    return entries


def curves(entries):
    """(losses, metrics) for plotting: losses as {'X': [progress], 'Y': [[value per term]],
    'legend': [terms]} over the entries since the loss terms last changed, metrics as
    {name: [(epoch, value)]}."""
    losses = {'X': [], 'Y': [], 'legend': []}
    metrics = {}
    for entry in entries:
        if entry['kind'] == 'losses':
            if list(entry['losses']) != losses['legend']:
                losses = {'X': [], 'Y': [], 'legend': list(entry['losses'])}
            losses['X'].append(entry['progress'])
            losses['Y'].append([entry['losses'][k] for k in losses['legend']])
        elif entry['kind'] == 'metric':
            metrics.setdefault(entry['name'], []).append((entry['epoch'], entry['value']))
    return losses, metrics


def final_losses(path):
    """Each loss averaged over the entries of the last logged epoch: with batch size 1 one entry is
    one image's loss, too noisy to compare runs by. {} when nothing was logged."""
    lines = [e for e in read(path) if e['kind'] == 'losses']
    if not lines:
        return {}
    lines = [e['losses'] for e in lines if e['epoch'] == lines[-1]['epoch']]
    terms = dict.fromkeys(k for losses in lines for k in losses)
    return {k: math.fsum(losses[k] for losses in lines if k in losses) / sum(k in losses for losses in lines)
            for k in terms}


class RunRecord:
    """Appends the entries of one run (only the process that writes logs should hold one)."""

    def __init__(self, run_dir):
        self.path = path_of(run_dir)
        self.count = 0
        self.last = None  # (iters, time) of this session's last loss entry, for images_per_s

    def restart(self, keep=0, up_to_iters=None):
        """Keep the first `keep` entries (all up to iteration `up_to_iters` instead, when given:
        a training state written before the record existed) and drop the rest."""
        entries = read(self.path)
        kept = entries[:keep] if up_to_iters is None else [e for e in entries if e['iters'] <= up_to_iters]
        if kept or os.path.exists(self.path):  # a fresh run writes its first entry when it logs
            atomic_write_text(self.path, ''.join(json.dumps(e) + '\n' for e in kept))
        self.count = len(kept)
        self.last = None

    def _append(self, entry):
        line = (json.dumps(entry) + '\n').encode('utf-8')
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        self.count += 1
        return entry

    def losses(self, epoch, iters, epoch_iter, progress, losses, learning_rates, t_comp, t_data):
        """Record one logged iteration; returns the entry. images_per_s is measured over the
        iterations since the previous entry of this session (from t_comp for the first)."""
        now = time.time()
        if self.last is not None and now > self.last[1] and iters > self.last[0]:
            images_per_s = (iters - self.last[0]) / (now - self.last[1])
        else:
            images_per_s = 1.0 / t_comp if t_comp > 0 else None
        self.last = (iters, now)
        return self._append({'kind': 'losses', 'epoch': epoch, 'iters': iters, 'epoch_iter': epoch_iter,
                             'progress': progress, 'losses': dict(losses), 'lr': dict(learning_rates),
                             'images_per_s': images_per_s, 't_comp': t_comp, 't_data': t_data, 'time': now})

    def metric(self, epoch, iters, name, value):
        return self._append({'kind': 'metric', 'epoch': epoch, 'iters': iters, 'name': name,
                             'value': float(value), 'time': time.time()})
