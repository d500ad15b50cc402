#!/usr/bin/env python3
"""Validates JSON documents with the Python `jsonschema` package (tests/validators.rs).

    validate.py SCHEMA [INSTANCE...]

checks SCHEMA against the metaschema of the draft it names in `$schema`, then
each INSTANCE (a JSON file) against SCHEMA, formats included. Prints one line
per error (file, JSON path, message) and exits 1 if there was any, 2 if the
package is missing.
"""
import json
import sys

try:
    import jsonschema
    from jsonschema.validators import validator_for
except ImportError:
    print("the Python package jsonschema is not installed", file=sys.stderr)
    sys.exit(2)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    schema_path, instances = argv[0], argv[1:]
    schema = load(schema_path)
    cls = validator_for(schema, default=None)
    if cls is None:
        print(f"{schema_path}: names no known draft in $schema", file=sys.stderr)
        return 1
    errors = 0
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{schema_path}: not a valid {cls.__name__} schema: {e.message}")
        return 1
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    for path in instances:
        for e in sorted(validator.iter_errors(load(path)), key=lambda e: list(e.absolute_path)):
            errors += 1
            print(f"{path}: {e.json_path}: {e.message}")
    print(f"{schema_path} ({cls.__name__}): {len(instances)} documents, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
