"""One-line errors for things a user can fix (a path, an option value, a file)."""
import sys


class UserError(Exception):
    """A problem with the user's input; the entry scripts print its message alone and exit 2."""


def short_message(exc):
    """The one line worth showing for `exc`, also when a DataLoader worker re-raised it
    wrapped in its own traceback text."""
    text = str(exc).strip()
    if 'Original Traceback' in text:
        last = text.splitlines()[-1]
        text = last.split(': ', 1)[1] if ': ' in last else last
    return text


def run_cli(main):
    """Run `main()`; a UserError (direct or from a data worker) or an error of the file system (a
    read-only or full folder, a file where a folder should be) ends with one line and exit code 2."""
    try:
        main()
    except UserError as exc:
        print(f'error: {short_message(exc)}', file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        if exc.errno is None:
            raise
        where = f'{exc.filename}: ' if exc.filename else ''
        print(f'error: {where}{exc.strerror}', file=sys.stderr)
        sys.exit(2)
