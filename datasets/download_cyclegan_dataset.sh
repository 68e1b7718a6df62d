#!/usr/bin/env bash
# Download one of the public CycleGAN data sets (trainA/trainB/testA/testB) into ./datasets/NAME,
# from the same server and under the same names as the upstream toolkit.
#   bash ./datasets/download_cyclegan_dataset.sh horse2zebra
set -euo pipefail
FILE=${1:-}
cd "$(dirname "$0")/.."
source scripts/download_common.sh
check_name dataset "$FILE" apple2orange summer2winter_yosemite horse2zebra monet2photo cezanne2photo \
  ukiyoe2photo vangogh2photo maps cityscapes facades iphone2dslr_flower ae_photos grumpifycat \
  mini mini_pix2pix mini_colorization
if [[ $FILE == "cityscapes" ]]; then
  echo "Cityscapes cannot be redistributed (license): download gtFine_trainvaltest.zip and" >&2
  echo "leftImg8bit_trainvaltest.zip from https://cityscapes-dataset.com yourself." >&2
  exit 1
fi
need unzip
echo "Specified [$FILE]"
ZIP_FILE=./datasets/$FILE.zip
fetch "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/$FILE.zip" "$ZIP_FILE"
unzip -q -o "$ZIP_FILE" -d ./datasets/
rm "$ZIP_FILE"
echo "data set in $(pwd)/datasets/$FILE"
