"""Metric registry and the one entry point the CLI, the training loop and offline evaluation call
(the shape of StyleGAN3's metrics/metric_main.py). A metric is a registered function of a
`MetricOptions` returning (scores: {name: number}, per_image: {image key: value} or None).
"""
import dataclasses

import numpy as np

from util.errors import UserError
from . import paired
from .feature_cache import cached_features
from .fid import fid_from_features
from .image_source import ImageSource
from .domain import DomainProbe
from .inception import PROTOCOL, extract_features
from .kid import kernel_inception_distance

_METRICS = {}


def register_metric(name):
    """Decorator: make `fn(opts) -> (scores, per_image)` available to compute_metrics as `name`."""
    def decorator(fn):
        _METRICS[name] = fn
        return fn
    return decorator


def list_metrics():
    return sorted(_METRICS)


@dataclasses.dataclass
class MetricOptions:
    """What every metric may look at; features and pairs are computed on first use and shared,
    so FID and KID in one call run the network once per image set."""
    fake: ImageSource
    real: ImageSource
    device: str = 'cpu'
    batch_size: int = 50
    cache_dir: str = None
    use_cache: bool = True
    progress: bool = True
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    seed: int = 0
    domain_train: tuple = None
    _features: dict = dataclasses.field(default_factory=dict, repr=False)
    _pairs: list = dataclasses.field(default=None, repr=False)

    def features(self, side, source=None):
        """Inception features of 'fake' or 'real' (or of `source`, under the name `side`). Only
        fixed references are cached on disk; every evaluation brings new fakes."""
        if side not in self._features:
            def compute(images):
                return extract_features(images, self.device, self.batch_size, self.progress)
            source = source or getattr(self, side)
            if side != 'fake' and self.use_cache:
                self._features[side] = cached_features(source, compute, self.cache_dir, PROTOCOL)
            else:
                self._features[side] = compute(source)
        return self._features[side]

    def pairs(self):
        """(key, fake index, real index) for every fake image; each must have a real image of the
        same key (the real set may hold more, e.g. when test.py stopped at --num_test)."""
        if self._pairs is None:
            real_index = {key: j for j, key in enumerate(self.real.keys)}
            missing = [key for key in self.fake.keys if key not in real_index]
            if missing:
                raise UserError(f'{len(missing)} of {len(self.fake)} images in {self.fake.label} have no '
                                f'ground truth of the same name in {self.real.label} (first: {missing[0]})')
            self._pairs = [(key, i, real_index[key]) for i, key in enumerate(self.fake.keys)]
        return self._pairs


@dataclasses.dataclass
class MetricReport:
    """scores: metric name -> number; per_image: image key -> {metric name -> number}."""
    scores: dict = dataclasses.field(default_factory=dict)
    per_image: dict = dataclasses.field(default_factory=dict)


def compute_metrics(names, fake, real, device='cpu', batch_size=50, cache_dir=None, use_cache=True,
                    progress=True, kid_subsets=100, kid_subset_size=1000, seed=0, domain_train=None):
    """Measure `fake` against `real` (each a folder, a list of image files, an ImageSource, or an
    N x 3 x H x W tensor, float in [-1, 1] or uint8) with each metric in `names`. cache_dir: where
    reference features are kept (None: the user cache); domain_train: (source, target) training
    sets, for the 'domain' metric."""
    names = [names] if isinstance(names, str) else list(names)
    unknown = [name for name in names if name not in _METRICS]
    if unknown:
        raise UserError(f'unknown metric {", ".join(unknown)}; choose from {", ".join(list_metrics())}')
    opts = MetricOptions(ImageSource.of(fake), ImageSource.of(real), device=str(device), batch_size=batch_size,
                         cache_dir=cache_dir, use_cache=use_cache, progress=progress,
                         kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, seed=seed,
                         domain_train=domain_train and tuple(ImageSource.of(s) for s in domain_train))
    report = MetricReport()
    for name in names:
        scores, per_image = _METRICS[name](opts)
        report.scores.update(scores)
        for key, value in (per_image or {}).items():
            report.per_image.setdefault(key, {})[name] = value
    return report


@register_metric('fid')
def fid(opts):
    return {'fid': fid_from_features(opts.features('fake'), opts.features('real'))}, None


@register_metric('kid')
def kid(opts):
    """'kid', and 'kid_std' (spread over subsets, see kid.py) only where subsets differ."""
    mean, spread = kernel_inception_distance(opts.features('fake'), opts.features('real'),
                                             opts.kid_subsets, opts.kid_subset_size, opts.seed)
    return {'kid': mean, **({} if spread is None else {'kid_std': spread})}, None


@register_metric('domain')
def domain(opts):
    """Share of the fakes (and of the real images) that a probe fitted on the two training sets
    assigns to the target domain (metrics/domain.py), all at the size of the fakes."""
    if opts.domain_train is None:
        raise UserError('the domain score needs the two training sets (source, target) to fit its probe')
    first = opts.fake.load(0)
    size = (first.shape[1], first.shape[0])
    source, target = (s.at_size(size) for s in opts.domain_train)
    probe = DomainProbe(opts.features('domain_source', source), opts.features('domain_target', target))
    real = opts.features('real_at_size', opts.real.at_size(size))
    fake = opts.features('fake_at_size', opts.fake.at_size(size))
    return {'domain': probe.share(fake), 'domain_real': probe.share(real),
            'domain_probe_train_accuracy': probe.train_accuracy}, None


def _register_paired(name, distance):
    """Register `name`: `distance` of each translation to its ground truth, and their mean over images."""
    def metric(opts):
        values = {}
        for key, i, j in opts.pairs():
            fake, real = opts.fake.load(i), opts.real.load(j)
            if fake.shape != real.shape:
                raise UserError(f'{opts.fake.label}: image {key} is {fake.shape[1]}x{fake.shape[0]} but its ground '
                                f'truth in {opts.real.label} is {real.shape[1]}x{real.shape[0]}')
            try:
                values[key] = distance(fake, real)
            except ValueError as exc:
                raise UserError(f'{opts.fake.label}: image {key}: {exc}') from exc
        return {name: float(np.mean(list(values.values())))}, values
    register_metric(name)(metric)


for _name, _distance in (('l1', paired.l1), ('psnr', paired.psnr), ('ssim', paired.ssim)):
    _register_paired(_name, _distance)
