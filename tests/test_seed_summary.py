"""scripts/seed_summary.py: mean and sample spread per group, groups never mixing budgets."""
import csv
import statistics

import pytest

from scripts import seed_summary
from util.errors import UserError

FIELDS = ['run', 'seed', 'direction', 'iterations', 'fid', 'kid']


def write(path, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerows(dict(zip(FIELDS, r)) for r in rows)
    return str(path)


def test_groups_by_run_direction_and_budget(tmp_path):
    table = write(tmp_path / 't.csv', [('a', 0, 'AtoB', 100, 300.0, 0.3), ('a', 1, 'AtoB', 100, 320.0, 0.5),
                                       ('a', 2, 'AtoB', 100, 310.0, 0.1), ('a', 0, 'BtoA', 100, 250.0, 0.2),
                                       ('a', 3, 'AtoB', 200, 200.0, 0.2)])
    text = seed_summary.main([table, '--columns', 'fid,kid'])
    lines = text.splitlines()
    assert lines[0] == '| run | direction | iterations | seeds | fid | kid |'
    sd = statistics.stdev([300.0, 320.0, 310.0])
    assert lines[2] == f'| a | AtoB | 100 | 0,1,2 | 310 ± {sd:.2g} | 0.3 ± 0.2 |'
    assert lines[3] == '| a | BtoA | 100 | 0 | 250 ± - | 0.2 ± - |', 'one seed: no spread'
    assert lines[4] == '| a | AtoB | 200 | 3 | 200 ± - | 0.2 ± - |', 'another budget is its own group'


def test_a_seed_twice_or_a_missing_column_is_one_line(tmp_path):
    table = write(tmp_path / 't.csv', [('a', 0, 'AtoB', 100, 300.0, 0.3), ('a', 0, 'AtoB', 100, 320.0, 0.5)])
    with pytest.raises(UserError, match='seed 0 appears twice'):
        seed_summary.main([table, '--columns', 'fid'])
    with pytest.raises(UserError, match='no column fid_at_size, kid_at_size, domain_score'):
        seed_summary.main([table])
