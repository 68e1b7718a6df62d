"""metrics/test_set.py: which images in-training evaluation and compare.py translate and measure."""
from conftest import write_random
from metrics import test_set as test_sets


def test_same_stem_with_two_extensions_keeps_both_and_pairs_them(tmp_path):
    a = {name: write_random(tmp_path / 'testA' / name, seed) for seed, name in enumerate(['c.jpg', 'c.png', 'd.png'])}
    b = {name: write_random(tmp_path / 'testB' / name, 10 + seed) for seed, name in enumerate(['c.jpg', 'c.png', 'd.png'])}
    test_set = test_sets.TestSet(str(tmp_path))
    assert test_set.keys == ['c', 'c_2', 'd'] and test_set.has_ground_truth
    assert test_set.ground_truth(1).convert('RGB').tobytes() == b['c.png'].tobytes()
    assert len(a) == len(test_set.targets()) == 3
