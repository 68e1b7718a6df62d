"""Mean and spread over seeds of a results table (ablation.csv, docs/results/*.csv): one line per
group of rows that differ only in their seed, so a difference between models can be read against
the spread between seeds, not against the spread over subsets of one set of images.

    python scripts/seed_summary.py docs/results/h2z64.csv --by run,direction \\
        --columns fid,kid,fid_at_size,kid_at_size,domain_score

The spread is the sample standard deviation (n - 1); with one seed there is none, shown as "-".
Rows are grouped only where every --by column agrees and --budget columns (default: iterations)
agree too, so runs of different lengths are never averaged together.
"""
import argparse
import csv
import statistics

from util.errors import UserError, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('table', help='CSV with a seed column, one row per run (and direction)')
    parser.add_argument('--by', default='run,direction', help='columns that name a group')
    parser.add_argument('--budget', default='iterations', help='columns that must agree within a group')
    parser.add_argument('--columns', default='fid,kid,fid_at_size,kid_at_size,domain_score',
                        help='numeric columns to summarise')
    opt = parser.parse_args(argv)
    opt.by, opt.budget, opt.columns = (v.split(',') if v else [] for v in (opt.by, opt.budget, opt.columns))
    return opt


def read_rows(path, needed):
    try:
        with open(path, newline='') as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise UserError(f'{path}: cannot read ({exc.strerror})') from exc
    missing = [c for c in needed if rows and c not in rows[0]]
    if not rows or missing:
        raise UserError(f'{path}: ' + (f'no column {", ".join(missing)}' if rows else 'no rows'))
    return rows


def summarise(rows, by, budget, columns):
    """[(group values, seeds, {column: (mean, sd or None)})], groups in first-seen order."""
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[c] for c in by + budget), []).append(row)
    out = []
    for key, members in groups.items():
        seeds = [m['seed'] for m in members]
        if len(set(seeds)) < len(seeds):
            raise UserError(f'{"/".join(key)}: seed {max(seeds, key=seeds.count)} appears twice')
        stats = {}
        for column in columns:
            values = [float(m[column]) for m in members]
            stats[column] = (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None)
        out.append((key, seeds, stats))
    return out


def markdown(summary, by, budget, columns):
    lines = ['| ' + ' | '.join(by + budget + ['seeds'] + columns) + ' |',
             '|' + '---|' * (len(by) + len(budget) + 1) + '---:|' * len(columns)]
    for key, seeds, stats in summary:
        cells = [f'{m:.4g} ± {sd:.2g}' if sd is not None else f'{m:.4g} ± -' for m, sd in stats.values()]
        lines.append('| ' + ' | '.join(list(key) + [','.join(seeds)] + cells) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    opt = parse_args(argv)
    rows = read_rows(opt.table, opt.by + opt.budget + opt.columns + ['seed'])
    text = markdown(summarise(rows, opt.by, opt.budget, opt.columns), opt.by, opt.budget, opt.columns)
    print(text)
    return text


if __name__ == '__main__':
    run_cli(main)
