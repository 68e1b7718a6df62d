"""The training report <checkpoints>/<name>/web/index.html: loss and metric curves (matplotlib,
images/curves.png), a table of the metrics, links to the checkpoints, the run's options and the
visuals of every epoch, newest first. Rewritten as training goes, it never reloads itself (no
<meta refresh>), so a browser or a headless snapshot sees a settled page."""
import glob
import os
import re

from . import html, run_record, util

CURVES = 'curves.png'
CHECKPOINT = re.compile(r'^(.*?)_(net_.+|train_state)\.pth$')  # <label>_net_<X>.pth


class TrainingReport:
    """Writes the page of one run from its run record and the files in its folder."""

    def __init__(self, opt):
        self.name = opt.name
        self.width = opt.display_winsize
        self.ncols = opt.display_ncols if opt.display_ncols > 0 else 1000
        self.run_dir = os.path.join(opt.checkpoints_dir, opt.name)
        self.options_file = os.path.join(self.run_dir, f'{opt.phase}_opt.txt')
        self.web_dir = os.path.join(self.run_dir, 'web')
        self.img_dir = os.path.join(self.web_dir, 'images')  # made by the first save: nothing before the run starts
        self.labels = []

    @staticmethod
    def image_name(epoch, label):
        return f'epoch{epoch:03d}_{label}.png'

    def save_visuals(self, epoch, visuals):
        """Save one epoch's visuals ({label: HxWx3 uint8}) as images/epochNNN_<label>.png."""
        self.labels = list(visuals)
        util.mkdirs(self.img_dir)
        for label, image in visuals.items():
            util.save_image(image, os.path.join(self.img_dir, self.image_name(epoch, label)))

    def write(self, epoch):
        """Rewrite index.html up to `epoch`, its curves and metrics read from the run record."""
        losses, metrics = run_record.curves(run_record.read(run_record.path_of(self.run_dir)))
        page = html.HTML(self.web_dir, f'Experiment name = {self.name}')
        if losses['X'] or metrics:
            width = draw_curves(os.path.join(self.img_dir, CURVES), losses, metrics)
            page.add_header('loss curves' + (' and metrics' if metrics else ''))
            page.add_images([CURVES], ['losses over epochs'], [CURVES], width=width)
        if metrics:
            names = sorted(metrics)
            value = {(name, at): v for name in names for at, v in metrics[name]}
            epochs = sorted({at for _, at in value})
            page.add_header('metrics')
            page.add_table(['epoch', *names], [[at, *(fmt(value.get((n, at))) for n in names)] for at in epochs])
        self._add_run_files(page)
        for n in range(epoch, 0, -1):
            names = [self.image_name(n, label) for label in self.labels]
            if names and all(os.path.exists(os.path.join(self.img_dir, f)) for f in names):
                page.add_header(f'epoch [{n}]')
                for row in range(0, len(names), self.ncols):
                    page.add_images(names[row:row + self.ncols], self.labels[row:row + self.ncols],
                                    names[row:row + self.ncols], width=self.width)
        page.save()

    def _add_run_files(self, page):
        """Links to the checkpoints (a line per label), the logs, and the options of the run."""
        groups = {}
        for path in glob.glob(os.path.join(glob.escape(self.run_dir), '*.pth')):
            match = CHECKPOINT.match(os.path.basename(path))
            if match:
                groups.setdefault(match.group(1), []).append(os.path.basename(path))
        page.add_header('checkpoints and logs')
        for label in sorted(groups, key=checkpoint_order):
            page.add_links([(f, '../' + f) for f in sorted(groups[label])], label=f'{label}:')
        page.add_links([(f, '../' + f) for f in ['loss_log.txt', run_record.FILE]
                        if os.path.exists(os.path.join(self.run_dir, f))], label='log:')
        if os.path.exists(self.options_file):
            with open(self.options_file) as f:
                page.add_preformatted(f'options of the run ({os.path.basename(self.options_file)})', f.read())


def checkpoint_order(label):
    """latest, best, then epochs and iterations newest first, then anything else by name."""
    named = {'latest': 0, 'best': 1}
    if label in named:
        return (named[label], 0, label)
    digits = label.rsplit('_', 1)[-1]
    return (2, -int(digits), label) if digits.isdigit() else (3, 0, label)


def fmt(value):
    return '' if value is None else f'{value:.4g}'


def draw_curves(path, losses, metrics):
    """A panel of every loss over (fractional) epochs, one more per metric; returns the picture's
    width in pixels, so the page shows it unscaled."""
    from matplotlib.figure import Figure  # not pyplot: no GUI backend, no global state touched

    panels = 1 + len(metrics)
    fig = Figure(figsize=(4.5 * panels + 3, 3.4), dpi=100)
    axes = fig.subplots(1, panels, squeeze=False)
    ax = axes[0][0]
    for i, name in enumerate(losses['legend']):
        ax.plot(losses['X'], [row[i] for row in losses['Y']], label=name, linewidth=1)
    ax.set(xlabel='epoch', ylabel='loss', title='losses')
    if losses['legend']:
        ax.legend(fontsize='small', ncol=2)
    for ax, name in zip(axes[0][1:], sorted(metrics)):
        at, values = zip(*metrics[name])
        ax.plot(at, values, marker='o')
        ax.set(xlabel='epoch', ylabel=name, title=f'{name} over epochs')
    fig.tight_layout()
    util.atomic_write(path, lambda f: fig.savefig(f, format='png'))
    return int(fig.get_figwidth() * fig.dpi)
