from models.discriminators import fits
from training import resume, speed
from util.errors import UserError

from .base_options import BaseOptions


class TrainOptions(BaseOptions):
    """Training options: visdom/HTML display, saving, and the upstream learning-rate schedule."""

    def initialize(self, parser):
        parser = BaseOptions.initialize(self, parser)
        # visdom and HTML visualization parameters
        parser.add_argument('--display_freq', type=int, default=400, help='frequency of showing training results on screen')
        parser.add_argument('--display_ncols', type=int, default=4, help='if positive, display all images in a single visdom web panel with certain number of images per row.')
        parser.add_argument('--display_id', type=int, default=1, help='window id of the web display')
        parser.add_argument('--display_server', type=str, default="http://localhost", help='visdom server of the web display')
        parser.add_argument('--display_env', type=str, default='main', help='visdom display environment name (default is "main")')
        parser.add_argument('--display_port', type=int, default=8097, help='visdom port of the web display')
        parser.add_argument('--update_html_freq', type=int, default=1000, help='frequency of saving training results to html')
        parser.add_argument('--print_freq', type=int, default=100, help='frequency of showing training results on console')
        parser.add_argument('--use_wandb', action='store_true', help='also log losses, metrics, visuals and options to wandb (pip install wandb; WANDB_MODE=offline works)')
        parser.add_argument('--wandb_project_name', type=str, default='CycleGAN-and-pix2pix', help='the wandb project the runs go to')
        parser.add_argument('--use_tensorboard', action='store_true', help='also write losses, metrics and visuals for TensorBoard to [checkpoints_dir]/[name]/tensorboard (pip install tensorboard)')
        parser.add_argument('--no_html', action='store_true', help='do not save intermediate training results to [opt.checkpoints_dir]/[opt.name]/web/')
        # network saving and loading parameters
        parser.add_argument('--save_latest_freq', type=int, default=5000, help='frequency of saving the latest results')
        parser.add_argument('--save_epoch_freq', type=int, default=5, help='frequency of saving checkpoints at the end of epochs')
        parser.add_argument('--save_by_iter', action='store_true', help='whether saves model by iteration')
        parser.add_argument('--continue_train', nargs='?', const=True, default=False, type=resume.continue_mode, help="continue training exactly where the checkpoint --epoch names (default latest) was saved; 'auto': continue if its training state exists, else start fresh (one command line for the first start and every restart)")
        parser.add_argument('--start_over', action='store_true', help='train from scratch although --name holds a trained run, whose files are moved into a replaced_<time> subfolder (without this or --continue_train such a run is refused)')
        parser.add_argument('--epoch_count', type=int, default=1, help='the starting epoch count; with --continue_train it is read from the checkpoint unless given')
        parser.add_argument('--phase', type=str, default='train', help='train, val, test, etc')
        # training parameters
        parser.add_argument('--n_epochs', type=int, default=100, help='number of epochs with the initial learning rate')
        parser.add_argument('--n_epochs_decay', type=int, default=100, help='number of epochs to linearly decay learning rate to zero')
        parser.add_argument('--beta1', type=float, default=0.5, help='momentum term of adam')
        parser.add_argument('--lr', type=float, default=0.0002, help='initial learning rate for adam')
        parser.add_argument('--gan_mode', type=str, default='lsgan', choices=['vanilla', 'lsgan', 'wgangp'], help='the type of GAN objective. vanilla GAN loss is the cross-entropy objective used in the original GAN paper.')
        parser.add_argument('--pool_size', type=int, default=50, help='the size of image buffer that stores previously generated images')
        parser.add_argument('--lr_policy', type=str, default='linear', choices=['linear', 'step', 'plateau', 'cosine'], help='learning rate policy')
        # in-training evaluation (metrics/during_training.py)
        parser.add_argument('--eval_freq', type=int, default=0, help='every N epochs, FID and KID of the first --eval_num_test test translations; keeps best_net_*.pth (0: off)')
        parser.add_argument('--eval_metrics', type=str, default='fid,kid',
                            help='what --eval_freq measures: fid and kid, and domain (the share of translations a probe on the training sets assigns to the target domain)')
        parser.add_argument('--eval_num_test', type=int, default=50, help='how many test images --eval_freq translates and measures (fixed, in file-name order)')
        parser.add_argument('--lr_decay_iters', type=int, default=50, help='multiply by a gamma every lr_decay_iters iterations')
        speed.add_options(parser)  # --precision, --channels_last, --compile (training/speed.py)
        self.isTrain = True
        return parser

    def validate(self, opt):
        BaseOptions.validate(self, opt)
        for name in ['n_epochs', 'n_epochs_decay', 'pool_size', 'eval_freq']:
            if getattr(opt, name) < 0:
                raise UserError(f'--{name} must be >= 0, got {getattr(opt, name)}')
        for name in ['print_freq', 'display_freq', 'update_html_freq', 'save_latest_freq', 'save_epoch_freq', 'epoch_count']:
            if getattr(opt, name) <= 0:
                raise UserError(f'--{name} must be positive, got {getattr(opt, name)}')
        if not {'fid', 'kid'} <= {m.strip() for m in opt.eval_metrics.split(',') if m.strip()} <= {'fid', 'kid', 'domain'}:
            raise UserError(f'--eval_metrics: fid and kid (the best checkpoint follows FID), and optionally domain; '
                            f'got {opt.eval_metrics}')
        if opt.eval_freq and opt.eval_num_test < 2:
            raise UserError(f'--eval_num_test must be at least 2 (FID needs two images), got {opt.eval_num_test}')
        if opt.lr <= 0:
            raise UserError(f'--lr must be positive, got {opt.lr}')
        n_layers = {'basic': 3, 'n_layers': opt.n_layers_D}.get(opt.netD)
        side = opt.crop_size if 'crop' in opt.preprocess else opt.load_size
        if n_layers and opt.preprocess != 'none' and not fits(side, n_layers):
            raise UserError(f'--crop_size {side} is too small for the --netD {opt.netD} discriminator with '
                            f'{n_layers} layers (--n_layers_D): its feature maps shrink to nothing; use a larger '
                            f'--crop_size (and --load_size), fewer --n_layers_D or --netD pixel')

