#!/usr/bin/env bash
# Download one of the public pix2pix data sets (train/val/test of A|B images) into ./datasets/NAME,
# from the same server and under the same names as the upstream toolkit.
#   bash ./datasets/download_pix2pix_dataset.sh facades
set -euo pipefail
FILE=${1:-}
cd "$(dirname "$0")/.."
source scripts/download_common.sh
check_name dataset "$FILE" cityscapes night2day edges2handbags edges2shoes facades maps
if [[ $FILE == "cityscapes" ]]; then
  echo "Cityscapes cannot be redistributed (license): download gtFine_trainvaltest.zip and" >&2
  echo "leftImg8bit_trainvaltest.zip from https://cityscapes-dataset.com yourself." >&2
  exit 1
fi
need tar
echo "Specified [$FILE]"
TAR_FILE=./datasets/$FILE.tar.gz
fetch "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/$FILE.tar.gz" "$TAR_FILE"
mkdir -p "./datasets/$FILE"
tar -zxf "$TAR_FILE" -C ./datasets/
rm "$TAR_FILE"
echo "data set in $(pwd)/datasets/$FILE"
