"""--eval_freq N: FID and KID (and the domain score, with --eval_metrics) while training, and the
best-FID checkpoint (best_net_<Name>.pth, with best.json: epoch, FID, KID).

Every N epochs the first --eval_num_test test images of the source domain (in file-name order) are
translated and measured against the first --eval_num_test real ones of the target domain; the
numbers go through Visualizer.plot_metric. Everything measuring needs is loaded before training
starts, and train.py saves the training state before measuring, so a failure there costs no
training. Measuring leaves the run's RNGs and train/eval flags as they were (metrics/translate.py).
FID on 50 images is biased and noisy: rank the epochs of one run with it, and report numbers of
scripts/compare.py on the whole test set.
"""
import json
import os

from util import distributed, progress
from util.errors import UserError
from util.util import atomic_write_text, together
from .image_source import ImageSource
from .inception import load_inception
from .metric_main import compute_metrics
from .test_set import TestSet
from .translate import input_transform, translate


class TrainingEvaluator:
    """Built once before the epoch loop; after_epoch does nothing unless --eval_freq says so."""

    def __init__(self, opt):
        self.freq = opt.eval_freq if distributed.is_main() else 0  # under torchrun rank 0 measures
        if not self.freq:
            return
        test_set = TestSet(opt.dataroot, 'test', opt.direction, opt.eval_num_test, opt.eval_num_test)
        if len(test_set) < 2:
            raise UserError(f'--eval_freq: FID needs at least 2 test images, {opt.dataroot} has {len(test_set)}')
        to_tensor = input_transform(opt)
        self.inputs = [to_tensor(test_set.input_image(i)) for i in range(len(test_set))]
        self.keys = test_set.keys
        self.real = test_set.targets()
        self.metrics = [m.strip() for m in opt.eval_metrics.split(',') if m.strip()]  # checked by the options
        self.domain_train = test_set.training_sets() if 'domain' in self.metrics else None
        for i in range(len(self.real)):  # a corrupt target is reported now, not after an epoch
            self.real.load(i)
        load_inception(str(opt.device))
        self.best_file = os.path.join(opt.checkpoints_dir, opt.name, 'best.json')
        self.best = None
        if opt.continue_train and os.path.isfile(self.best_file):
            with open(self.best_file) as f:
                self.best = json.load(f)
            if self.best['epoch'] >= opt.epoch_count:
                progress.write(f'warning: {self.best_file} names epoch {self.best["epoch"]}, after the checkpoint '
                               f'this run continues from: its best_net_*.pth come from an abandoned run and are '
                               f'replaced at the next evaluation')
                self.best = None

    def due(self, epoch):
        return bool(self.freq) and epoch % self.freq == 0

    def after_epoch(self, epoch, model, visualizer):
        """Measure at every --eval_freq-th epoch; report, and save the nets when FID improved.
        Returns whether it measured (the training state then gets saved again, with the metric)."""
        if not self.due(epoch):
            return False
        fakes = ImageSource(arrays=translate(model, self.inputs), keys=self.keys, label=f'epoch {epoch}')
        scores = compute_metrics(self.metrics, fakes, self.real, device=str(model.device), progress=False,
                                 domain_train=self.domain_train).scores
        for name in self.metrics:
            visualizer.plot_metric(epoch, name, scores[name])
        if self.best is None or scores['fid'] < self.best['fid']:
            self.best = {'epoch': epoch, 'num_test': len(self.inputs), **scores}
            with together(model.save_dir):  # best.json last: the nets it names are renamed before it
                model.save_networks('best')
                atomic_write_text(self.best_file, json.dumps(self.best, indent=1) + '\n')
            progress.write(f'FID {scores["fid"]:.4f} is the best so far: saved best_net_*.pth (epoch {epoch})')
        return True
