#!/usr/bin/env bash
# From a fresh clone: set up ./.venv, make the built-in synthetic data set, train a small CrossNet on
# it for a few minutes on the CPU, translate the test images, and measure the translations against
# their known ground truth (L1 / PSNR / SSIM) beside the untranslated inputs, so the numbers show
# what was learnt. MODEL=cycle_gan trains CycleGAN instead.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-crossnet}
NAME=synthetic_${MODEL}
bash scripts/setup_env.sh
PY=.venv/bin/python
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
$PY datasets/make_synthetic.py --out ./datasets/synthetic --size 48 --num_train 200 --num_test 12
# 48 px, 16 filters, 3 residual blocks per stack (CycleGAN: 6): 1000 iterations, 5 epochs of 200 images
SMALL=(--load_size 48 --crop_size 48 --ngf 16 --ndf 16 --gpu_ids -1 --num_threads 1)
if [ "$MODEL" = crossnet ]; then ARCH=(--n_blocks_E 3); TRAIN_ARCH=(--n_blocks_T 3); else ARCH=(--netG resnet_6blocks); TRAIN_ARCH=(); fi
$PY train.py --model "$MODEL" --dataroot ./datasets/synthetic --name "$NAME" "${SMALL[@]}" "${ARCH[@]}" "${TRAIN_ARCH[@]}" \
    --n_epochs 3 --n_epochs_decay 2 --display_id 0 --print_freq 100 --save_epoch_freq 5 --update_html_freq 200 \
    --continue_train auto  # run again: nothing retrained, a stopped run goes on
$PY test.py --model "$MODEL" --dataroot ./datasets/synthetic --name "$NAME" "${SMALL[@]}" "${ARCH[@]}"
echo
# the translations against their ground truth, beside the untranslated inputs' distance to it
$PY scripts/compare.py --names "$NAME" --dataroot ./datasets/synthetic --num_test 12 --gpu_ids -1 \
    --metrics l1,psnr,ssim --include_real_baseline --no_progress --display_winsize 128
echo
echo "training page: $(pwd)/checkpoints/$NAME/web/index.html"
echo "test results:  $(pwd)/results/$NAME/test_latest/index.html"
