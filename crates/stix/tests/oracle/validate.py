"""Runs the OASIS reference validator (stix2-validator 3.3.2, STIX 2.1 MUSTs, no SHOULDs) over files.

Usage: python validate.py FILE...

Prints one line per file: ``<file>\t<valid|invalid>\t<first messages>``. A file that is not JSON, or that makes
the validator raise, counts as invalid. Used by crates/stix/tests/it/oracle.rs; keep the output format stable.
"""

import logging
import sys

from stix2validator import ValidationOptions, validate_file


def messages_of(results):
    """Error messages of a FileValidationResults, and the fatal error if any."""
    found = []
    fatal = getattr(results, "fatal", None)
    if fatal is not None:
        found.append(str(getattr(fatal, "error", fatal)))
    for object_result in getattr(results, "object_results", None) or []:
        for error in getattr(object_result, "errors", None) or []:
            found.append(str(getattr(error, "message", error)))
    return found


def main(paths):
    logging.disable(logging.CRITICAL)
    options = ValidationOptions(version="2.1", strict=False, verbose=False, silent=True)
    for path in paths:
        try:
            results = validate_file(path, options)
            valid = bool(results.is_valid)
            found = messages_of(results)
        except Exception as err:  # The reference validator raises on some broken inputs.
            valid = False
            found = ["exception: %r" % (err,)]
        summary = " | ".join(found).replace("\t", " ").replace("\n", " ")[:400]
        print("%s\t%s\t%s" % (path, "valid" if valid else "invalid", summary))


if __name__ == "__main__":
    main(sys.argv[1:])
