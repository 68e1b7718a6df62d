"""Translate test images with a trained model and write an HTML page of the results.

    python test.py --dataroot ./datasets/horse2zebra --name h2z_crossnet --model crossnet
    python test.py --dataroot ./datasets/horse2zebra/testA --name h2z_cyclegan --model test --model_suffix _A --no_dropout

Results: --results_dir/--name/<phase>_<epoch>/index.html and images/<image>_<visual>.png.
"""
import os

from data import create_dataset
from models import create_model
from options.test_options import TestOptions
from util import html, progress, util
from util.errors import run_cli
from util.visualizer import save_images


def main(args=None):
    """Run with `args` (a list like sys.argv[1:]; default: the command line)."""
    options = TestOptions()
    opt = options.parse(args)
    # one image at a time, in order, unflipped, no visdom
    opt.num_threads = 0
    opt.batch_size = 1
    opt.serial_batches = True
    opt.no_flip = True
    opt.display_id = -1
    dataset = create_dataset(opt)
    model = create_model(opt)
    model.setup(opt)
    options.save_options(opt)
    web_dir = os.path.join(opt.results_dir, opt.name, f'{opt.phase}_{opt.epoch}')
    if opt.load_iter > 0:
        web_dir = f'{web_dir}_iter{opt.load_iter}'
    print(f'creating web directory {web_dir}')
    if opt.eval:
        model.eval()
    with util.staged_folder(web_dir) as stage:  # replaces the results of an earlier test whole
        webpage = html.HTML(stage, f'Experiment = {opt.name}, Phase = {opt.phase}, Epoch = {opt.epoch}')
        for i, data in enumerate(progress.bar(dataset, min(len(dataset), opt.num_test), 'test', not opt.no_progress)):
            if i >= opt.num_test:
                break
            model.set_input(data)
            model.test()
            visuals = model.get_current_visuals()
            img_path = model.get_image_paths()
            if i % 5 == 0:
                progress.write(f'processing ({i:04d})-th image... {img_path}')
            save_images(webpage, visuals, img_path, aspect_ratio=opt.aspect_ratio, width=opt.display_winsize)
        webpage.save()
    print(f'results: {os.path.join(web_dir, "index.html")}')


if __name__ == '__main__':
    run_cli(main)
