"""Translate test images with a trained model and write an HTML page of the results.

    python test.py --dataroot ./datasets/horse2zebra --name h2z_crossnet --model crossnet
    python test.py --dataroot ./datasets/horse2zebra/testA --name h2z_cyclegan --model test --model_suffix _A --no_dropout

Results: --results_dir/--name/<phase>_<epoch>/index.html and images/<image>_<visual>.png.
--batch_size N translates N images at a time: the same files, faster (images/s printed at the end).
"""
import os
import time

import torch

from data import create_dataset
from models import create_model
from options.test_options import TestOptions
from util import html, progress, util
from util.errors import UserError, run_cli
from util.visualizer import save_images


def main(args=None):
    """Run with `args` (a list like sys.argv[1:]; default: the command line)."""
    options = TestOptions()
    opt = options.parse(args)
    # in order, unflipped, no visdom; --batch_size images at a time
    opt.num_threads = 0
    opt.serial_batches = True
    opt.no_flip = True
    opt.display_id = -1
    dataset = create_dataset(opt)
    model = create_model(opt)
    util.remove_temporaries(model.save_dir)  # completes a save a kill interrupted while renaming
    with util.locked(model.save_dir, shared=True):  # a save of a running training waits: one set is read
        model.setup(opt)
    options.save_options(opt)
    web_dir = os.path.join(opt.results_dir, opt.name, f'{opt.phase}_{opt.epoch}')
    if opt.load_iter > 0:
        web_dir = f'{web_dir}_iter{opt.load_iter}'
    print(f'creating web directory {web_dir}')
    if opt.eval:
        model.eval()
    check_batching(opt, model)
    total = min(len(dataset), opt.num_test)
    done, start = 0, time.perf_counter()
    with util.staged_folder(web_dir) as stage:  # replaces the results of an earlier test whole
        webpage = html.HTML(stage, f'Experiment = {opt.name}, Phase = {opt.phase}, Epoch = {opt.epoch}')
        for data in progress.bar(dataset, -(-total // opt.batch_size), 'test', not opt.no_progress):
            if done >= total:
                break
            model.set_input(data)
            model.test()
            visuals = model.get_current_visuals()
            paths = model.get_image_paths()[:total - done]
            for j, path in enumerate(paths):
                if (done + j) % 5 == 0:
                    progress.write(f'processing ({done + j:04d})-th image... {[path]}')
                save_images(webpage, {k: v[j:j + 1] for k, v in visuals.items()}, [path],
                            aspect_ratio=opt.aspect_ratio, width=opt.display_winsize)
            done += len(paths)
        webpage.save()
    print(f'results: {os.path.join(web_dir, "index.html")} ({done} images, '
          f'{done / (time.perf_counter() - start):.1f} images/s with writing)')


def check_batching(opt, model):
    """Batches give each image's own translation only when every image has one size and no net in
    training mode couples the images (batch norm) or draws noise (dropout)."""
    if opt.batch_size == 1:
        return
    if opt.preprocess in ('none', 'scale_width'):
        raise UserError(f'--batch_size {opt.batch_size} needs images of one size; --preprocess {opt.preprocess} '
                        f'keeps their own sizes: use --batch_size 1')
    coupled = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.Dropout)
    if any(isinstance(m, coupled) and m.training for _, net in model.named_nets() for m in net.modules()):
        raise UserError(f'--batch_size {opt.batch_size}: a net has batch norm or dropout in training mode, so the '
                        f'images of a batch would change each other; add --eval or use --batch_size 1')


if __name__ == '__main__':
    run_cli(main)
