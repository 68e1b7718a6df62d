#!/usr/bin/env bash
# Download a published pretrained CycleGAN generator to ./checkpoints/NAME_pretrained/latest_net_G.pth,
# where `python test.py --model test --name NAME_pretrained --no_dropout` finds it (as upstream).
#   bash ./scripts/download_cyclegan_model.sh horse2zebra
set -euo pipefail
FILE=${1:-}
cd "$(dirname "$0")/.."
source scripts/download_common.sh
check_name model "$FILE" apple2orange orange2apple summer2winter_yosemite winter2summer_yosemite \
  horse2zebra zebra2horse monet2photo style_monet style_cezanne style_ukiyoe style_vangogh \
  sat2map map2sat cityscapes_photo2label cityscapes_label2photo facades_photo2label \
  facades_label2photo iphone2dslr_flower
echo "Specified [$FILE]"
MODEL_FILE=./checkpoints/${FILE}_pretrained/latest_net_G.pth
fetch "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/$FILE.pth" "$MODEL_FILE"
echo "model in $(pwd)/${MODEL_FILE#./}"
