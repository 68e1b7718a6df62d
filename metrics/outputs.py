"""What a comparison of image sets leaves: the table on the console, for people, and for programs
one JSON and CSV tables."""
import csv
import json
import math
import os


def finite_or_none(value):
    """JSON has no inf / nan (PSNR of identical images is inf): write null instead."""
    return value if math.isfinite(value) else None


def write_outputs(prefix, rows):
    """<prefix>.json with everything, <prefix>.csv with one row per comparison, and
    <prefix>_per_image.csv when a paired metric gave per-image values."""
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    with open(prefix + '.json', 'w') as f:
        json.dump([{**row, 'scores': {k: finite_or_none(v) for k, v in row['scores'].items()},
                    'per_image': {key: {k: finite_or_none(v) for k, v in values.items()}
                                  for key, values in row['per_image'].items()}} for row in rows], f, indent=1)
    score_names = list(dict.fromkeys(k for row in rows for k in row['scores']))
    with open(prefix + '.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['comparison', 'fake', 'real', 'n_fake', 'n_real'] + score_names)
        for row in rows:
            writer.writerow([row['name'], row['fake'], row['real'], row['n_fake'], row['n_real']]
                            + [row['scores'].get(k, '') for k in score_names])
    paired_names = list(dict.fromkeys(k for row in rows for values in row['per_image'].values() for k in values))
    if paired_names:
        with open(prefix + '_per_image.csv', 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['comparison', 'image'] + paired_names)
            for row in rows:
                for key, values in row['per_image'].items():
                    writer.writerow([row['name'], key] + [values.get(k, '') for k in paired_names])


def print_table(header, lines):
    """Text cells in columns padded to their widest cell."""
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    for line in [header] + lines:
        print('  '.join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
