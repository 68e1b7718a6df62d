"""docs/OPTIONS.md is generated from the parsers; the committed file must match them."""
from docs.tools import make_options_doc


def test_committed_options_doc_is_current():
    assert make_options_doc.DOC.read_text() == make_options_doc.render(), \
        'docs/OPTIONS.md is stale: run python -m docs.tools.make_options_doc and commit it'


def test_doc_lists_every_option_with_its_default():
    text = make_options_doc.render()
    for option in ['--display_ncols', '--no_progress', '--results_dir', '--lambda_L1', '--model_suffix']:
        assert f'| `{option}` |' in text
    assert '| `--display_port` | `8097` |' in text and '| `--no_html` | flag |' in text
