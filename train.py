"""Train an image-to-image translation model (upstream's train.py, same options and files).

    python train.py --dataroot ./datasets/horse2zebra --name h2z_crossnet --model crossnet
    python train.py --dataroot ./datasets/facades --name facades_pix2pix --model pix2pix --direction BtoA

Checkpoints go to --checkpoints_dir/--name ({latest,N}_net_<X>.pth), the HTML page to its web/.
See options/base_options.py and options/train_options.py for every option.
"""
import math
import time

from data import create_dataset
from metrics.during_training import TrainingEvaluator
from models import create_model
from options.train_options import TrainOptions
from training import resume, speed, stop, train_state
from util import distributed, progress
from util.errors import UserError, run_cli
from util.visualizer import Visualizer


def crossed(freq, before, now):
    """True when the iteration counter passed a multiple of `freq` (works for any batch size)."""
    return now // freq > before // freq


def finite_losses(model, where):
    """Read the losses; stop with a clear message (keeping the last good checkpoint) on NaN/inf."""
    losses = model.get_current_losses()
    bad = [k for k, v in losses.items() if not math.isfinite(v)]
    if distributed.any_rank(bool(bad)):
        what = f'loss {bad[0]} is {losses[bad[0]]}' if bad else 'a loss of another process is not finite'
        raise UserError(f'{what} at {where}; stopped without saving, so the last '
                        f'checkpoint is intact. Try a lower --lr or check the data')
    return losses


def main(args=None):
    """Run with `args` (a list like sys.argv[1:]; default: the command line)."""
    options = TrainOptions()
    opt = options.parse(args)
    distributed.setup(opt)
    resume.decide(opt)  # fresh, continue or refuse, before anything is written
    dataset = create_dataset(opt)
    dataset_size = len(dataset)
    model = create_model(opt)
    state = train_state.prepare(opt)
    model.setup(opt)
    visualizer = Visualizer(opt)
    evaluator = TrainingEvaluator(opt)
    total_iters = train_state.restore(state, model, dataset, visualizer)
    distributed.prepare(model)
    speed.apply(model, opt)
    options.save_options(opt)  # everything is checked: from here on the run writes its folder
    last_epoch = opt.n_epochs + opt.n_epochs_decay
    with stop.on_signals():
        for epoch in range(opt.epoch_count, last_epoch + 1):
            epoch_start_time = iter_data_time = time.time()
            resumed_at = epoch_iter = dataset.skip  # samples trained on before a mid-epoch checkpoint
            visualizer.reset()
            for data in visualizer.progress(dataset, epoch):
                iter_start_time = time.time()
                t_data = iter_start_time - iter_data_time
                batch = len(next(iter(data.values()))) * opt.world_size  # images of all processes
                before, total_iters, epoch_iter = total_iters, total_iters + batch, epoch_iter + batch
                visualizer.total_iters = total_iters
                model.set_input(speed.layout(opt, data))
                with speed.precision(opt, model.device):
                    model.optimize_parameters()
                if crossed(opt.display_freq, before, total_iters):
                    model.compute_visuals()
                    visualizer.display_current_results(model.get_current_visuals(), epoch,
                                                       crossed(opt.update_html_freq, before, total_iters))
                if crossed(opt.print_freq, before, total_iters):
                    losses = finite_losses(model, f'epoch {epoch}, iteration {total_iters}')
                    t_comp = (time.time() - iter_start_time) / batch
                    visualizer.log_losses(epoch, epoch_iter, dataset_size, losses, t_comp, t_data,
                                          model.get_current_learning_rates())
                stopping = stop.requested()  # SIGTERM/SIGINT: save as at --save_latest_freq, then leave
                if stopping or crossed(opt.save_latest_freq, before, total_iters):
                    finite_losses(model, f'epoch {epoch}, iteration {total_iters}')
                    progress.write(f'saving the latest model (epoch {epoch}, total_iters {total_iters})')
                    label = f'iter_{total_iters}' if opt.save_by_iter and not stopping else 'latest'
                    train_state.save(label, model, dataset, visualizer, epoch - 1, total_iters, epoch_iter)
                if stopping:
                    stop.leave(stopping, resume.state_path(opt, label))
                iter_data_time = time.time()
            if not visualizer.saved and epoch_iter > resumed_at:  # the HTML page gets every epoch, however short
                model.compute_visuals()
                visualizer.display_current_results(model.get_current_visuals(), epoch, True)
            model.update_learning_rate()
            milestone = epoch % opt.save_epoch_freq == 0 or epoch == last_epoch
            if milestone or evaluator.due(epoch):  # saved before measuring: a failure there costs no training
                if epoch_iter > resumed_at:  # else nothing trained since the checkpoint, and no loss to read
                    finite_losses(model, f'the end of epoch {epoch}')
                print(f'saving the model at the end of epoch {epoch}, iters {total_iters}')
                train_state.save('latest', model, dataset, visualizer, epoch, total_iters)
            if milestone:
                train_state.save_networks(model, epoch)
            if evaluator.after_epoch(epoch, model, visualizer):  # again, with the new metric in its history
                train_state.save('latest', model, dataset, visualizer, epoch, total_iters)
            visualizer.write_report(epoch)
            print(f'End of epoch {epoch} / {last_epoch} \t Time Taken: {time.time() - epoch_start_time:.0f} sec')
    visualizer.close()
    distributed.cleanup()


if __name__ == '__main__':
    run_cli(main)
