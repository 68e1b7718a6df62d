"""Training feedback: console and loss_log.txt, the run record (util/run_record.py), a progress bar
per epoch, the HTML report (util/report.py), visdom previews with --display_id > 0, and wandb or
TensorBoard (util/trackers.py). A visdom server that is absent or stops costs a warning and a retry
a minute later, never the run; none is started behind the user's back (`python -m visdom.server`).
"""
import os
import sys
import time

import numpy as np

from . import distributed, progress, report, run_record, trackers, util
from .image_files import stem

RETRY_SECONDS = 60


def save_images(webpage, visuals, image_path, aspect_ratio=1.0, width=256):
    """Save one test sample's visuals as images/<image>_<label>.png and add a row to `webpage`; an
    <image> name already used on the page gets a _2, _3, ... suffix, so no result overwrites another."""
    image_dir = webpage.get_image_dir()
    first = next(iter(visuals), '')
    name = util.unique_name(stem(image_path[0]), lambda n: os.path.exists(os.path.join(image_dir, f'{n}_{first}.png')))
    webpage.add_header(name)
    ims, txts, links = [], [], []
    for label, im_data in visuals.items():
        image_name = f'{name}_{label}.png'
        util.save_image(util.tensor2im(im_data), os.path.join(image_dir, image_name), aspect_ratio=aspect_ratio)
        ims.append(image_name)
        txts.append(label)
        links.append(image_name)
    webpage.add_images(ims, txts, links, width=width)


class Visualizer:
    """Display and log what a model reports, through the names it declares."""

    def __init__(self, opt):
        self.opt = opt
        self.main = distributed.is_main()  # under torchrun only rank 0 shows and writes anything
        self.display_id = opt.display_id if self.main else 0
        self.saved = False
        self.vis = None
        self.next_connect = 0.0
        self.bar = None
        self.plot_data = {'X': [], 'Y': [], 'legend': []}
        self.metrics = {}
        run_dir = os.path.join(opt.checkpoints_dir, opt.name)
        self.report = report.TrainingReport(opt) if opt.isTrain and not opt.no_html and self.main else None
        self.record = run_record.RunRecord(run_dir) if opt.isTrain and self.main else None
        trackers.require(opt)  # on every rank, so that a missing package stops all of them
        self.trackers = None  # opened at the first value logged (TensorBoard needs the start iteration)
        self.total_iters = self.start_iters = 0  # the iteration count, kept up to date by the training loop
        self.log_name = os.path.join(run_dir, 'loss_log.txt') if self.main else os.devnull
        self.log_header = f'================ Training Loss ({time.strftime("%c")}) ================\n'

    def reset(self):
        self.saved = False

    def state_dict(self):
        """How many entries of the run record the checkpoint has seen, kept in the training state."""
        return {'record_entries': self.record.count if self.record else 0}

    def load_state_dict(self, state, total_iters=0):
        """Go on from a checkpoint at iteration `total_iters` (state None: a fresh run): the record is
        cut back to what the checkpoint had seen and the curves are read back from it."""
        self.total_iters = self.start_iters = total_iters
        if self.record is None:
            return
        if state is None:
            self.record.restart(0)
        elif 'record_entries' in state:
            self.record.restart(state['record_entries'])
        else:  # a state written before the run record existed
            self.record.restart(up_to_iters=total_iters)
        self.plot_data, self.metrics = run_record.curves(run_record.read(self.record.path))

    def _track(self, method, values):
        """Send `values` to wandb / TensorBoard, if asked for, at the current iteration."""
        if self.trackers is None:
            self.trackers = trackers.open_all(self.opt, self.start_iters) if self.main else []
        for tracker in self.trackers:
            getattr(tracker, method)(self.total_iters, values)

    def close(self):
        """Finish the wandb run and the TensorBoard file (at the end of training)."""
        for tracker in self.trackers or []:
            tracker.close()
        self.trackers = None

    def progress(self, dataset, epoch):
        """The epoch's batches behind a progress bar; print_current_losses adds the losses to it."""
        batches = -(-len(dataset) // (self.opt.batch_size * distributed.world_size()))
        self.bar = progress.bar(dataset, total=batches, desc=f'epoch {epoch}', enabled=self.main and not self.opt.no_progress)
        return self.bar

    def _visdom(self):
        """The visdom client, (re)connecting at most once a minute; None while there is no server."""
        if self.display_id <= 0:
            return None
        if self.vis is None and time.time() >= self.next_connect:
            where = f'no visdom server at {self.opt.display_server}:{self.opt.display_port}'
            try:
                import visdom
                vis = visdom.Visdom(server=self.opt.display_server, port=self.opt.display_port,
                                    env=self.opt.display_env, raise_exceptions=True, use_incoming_socket=False)
                if vis.check_connection(timeout_seconds=2):
                    self.vis = vis
                else:
                    self._lost(where)
            except Exception as exc:
                self._lost(f'{where} ({type(exc).__name__})')
        return self.vis

    def _lost(self, why):
        """Remember the failure; warn on the first one and whenever a working connection drops."""
        if self.vis is not None or self.next_connect == 0.0:
            progress.write(f'warning: {why}; previews are off and retried every {RETRY_SECONDS} s. '
                           f'Start one with: python -m visdom.server -port {self.opt.display_port}', sys.stderr)
        self.vis = None
        self.next_connect = time.time() + RETRY_SECONDS

    def _send(self, send):
        vis = self._visdom()
        if vis is None:
            return
        try:
            send(vis)
        except Exception as exc:
            self._lost(f'lost the visdom server ({type(exc).__name__})')

    def display_current_results(self, visuals, epoch, save_result):
        """Show the current visuals in visdom and, once per epoch (save_result), in the HTML report."""
        images = {label: util.tensor2im(image) for label, image in visuals.items()}
        self._track('images', images)
        if self.display_id > 0:
            self._send(lambda vis: self._show_grid(vis, list(images), list(images.values())))
        if self.report and (save_result or not self.saved):
            self.saved = True
            self.report.save_visuals(epoch, images)
            self.write_report(epoch)

    def write_report(self, epoch):
        """Rewrite web/index.html with everything known so far (call it again once checkpoints are saved)."""
        if self.report:
            self.report.write(epoch)

    def _show_grid(self, vis, labels, images):
        ncols = min(self.opt.display_ncols, len(images)) if self.opt.display_ncols > 0 else len(images)
        h, w = images[0].shape[:2]
        tiles = [np.transpose(im, (2, 0, 1)) if im.shape[:2] == (h, w) else np.zeros((3, h, w), np.uint8) for im in images]
        while len(tiles) % ncols:
            tiles.append(np.full((3, h, w), 255, np.uint8))
        vis.images(tiles, nrow=ncols, win=self.display_id, padding=2,
                   opts=dict(title=f'{self.opt.name} images: ' + ' | '.join(labels)))

    def plot_current_losses(self, epoch, counter_ratio, losses):
        """Append the losses at epochs done, epoch - 1 + counter_ratio, and redraw the visdom plot."""
        if list(losses) != self.plot_data['legend']:
            self.plot_data = {'X': [], 'Y': [], 'legend': list(losses)}
        self.plot_data['X'].append(epoch - 1 + counter_ratio)
        self.plot_data['Y'].append([losses[k] for k in self.plot_data['legend']])
        if self.display_id <= 0:
            return
        x = np.stack([np.array(self.plot_data['X'])] * len(losses), 1)
        y = np.array(self.plot_data['Y'])
        self._send(lambda vis: vis.line(X=x, Y=y, win=self.display_id + 1, opts=dict(
            title=f'{self.opt.name} loss over time', legend=self.plot_data['legend'], xlabel='epoch', ylabel='loss')))

    def log_losses(self, epoch, epoch_iter, dataset_size, losses, t_comp, t_data, learning_rates):
        """Everything the loop reports at a --print_freq iteration, to every output."""
        self.print_current_losses(epoch, epoch_iter, losses, t_comp, t_data)
        self.plot_current_losses(epoch, epoch_iter / dataset_size, losses)
        if self.record:
            entry = self.record.losses(epoch, self.total_iters, epoch_iter, epoch - 1 + epoch_iter / dataset_size,
                                       losses, learning_rates, t_comp, t_data)
            scalars = {**{f'loss/{k}': v for k, v in losses.items()},
                       **{f'lr/{k}': v for k, v in learning_rates.items()}, 'epoch': entry['progress']}
            if entry['images_per_s'] is not None:
                scalars['images_per_s'] = entry['images_per_s']
            self._track('scalars', scalars)

    def print_current_losses(self, epoch, iters, losses, t_comp, t_data):
        """Print and log: (epoch, iters, time per image, data-loading time) then each loss."""
        message = f'(epoch: {epoch}, iters: {iters}, time: {t_comp:.3f}, data: {t_data:.3f}) '
        message += ' '.join(f'{k}: {v:.3f}' for k, v in losses.items())
        if self.bar is not None:
            self.bar.set_postfix({k: f'{v:.3f}' for k, v in losses.items()}, refresh=False)
        progress.write(message)
        self._log(message)

    def _log(self, message):
        """Append to loss_log.txt, the run's header first (so nothing is written before the loop starts)."""
        if self.log_header:
            util.mkdirs(os.path.dirname(self.log_name))
        with open(self.log_name, "a") as log_file:
            log_file.write(self.log_header + message + '\n')
        self.log_header = ''

    def plot_metric(self, epoch, name, value):
        """Record a metric measured at the end of `epoch` (e.g. FID): logged, plotted in its own visdom
        window, drawn and tabled in the report."""
        series = self.metrics.setdefault(name, [])
        series.append((epoch, float(value)))
        message = f'(epoch: {epoch}) {name}: {value:.4f}'
        progress.write(message)
        self._log(message)
        if self.record:
            self.record.metric(epoch, self.total_iters, name, value)
            self._track('scalars', {f'metric/{name}': float(value)})
        if self.display_id > 0:
            win = self.display_id + 2 + list(self.metrics).index(name)
            x, y = (np.array(v) for v in zip(*series))
            self._send(lambda vis: vis.line(X=x, Y=y, win=win, opts=dict(
                title=f'{self.opt.name} {name} over epochs', xlabel='epoch', ylabel=name, markers=True)))
        self.write_report(epoch)
