#!/usr/bin/env bash
# From a fresh clone: set up ./.venv, make the built-in synthetic data set, train a small model
# on it for a few minutes on the CPU, translate the test images, and say where the pages are.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-crossnet}
NAME=synthetic_${MODEL}
bash scripts/setup_env.sh
PY=.venv/bin/python
$PY datasets/make_synthetic.py --out ./datasets/synthetic --size 64 --num_train 100 --num_test 12
SMALL=(--load_size 64 --crop_size 64 --ngf 16 --ndf 16 --gpu_ids -1 --num_threads 2)
$PY train.py --model "$MODEL" --dataroot ./datasets/synthetic --name "$NAME" "${SMALL[@]}" \
    --max_dataset_size 40 --n_epochs 2 --n_epochs_decay 2 --display_id 0 --print_freq 40 --save_epoch_freq 4 \
    --continue_train auto  # run again: nothing retrained, a stopped run goes on
$PY test.py --model "$MODEL" --dataroot ./datasets/synthetic --name "$NAME" "${SMALL[@]}"
echo
echo "training page: $(pwd)/checkpoints/$NAME/web/index.html"
echo "test results:  $(pwd)/results/$NAME/test_latest/index.html"
