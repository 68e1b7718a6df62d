#!/usr/bin/env bash
# Download a published pretrained pix2pix generator to ./checkpoints/NAME_pretrained/latest_net_G.pth,
# where `python test.py --model pix2pix --name NAME_pretrained` finds it (as upstream).
#   bash ./scripts/download_pix2pix_model.sh facades_label2photo
set -euo pipefail
FILE=${1:-}
cd "$(dirname "$0")/.."
source scripts/download_common.sh
check_name model "$FILE" edges2shoes sat2map map2sat facades_label2photo day2night
echo "Specified [$FILE]"
MODEL_FILE=./checkpoints/${FILE}_pretrained/latest_net_G.pth
fetch "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/$FILE.pth" "$MODEL_FILE"
echo "model in $(pwd)/${MODEL_FILE#./}"
