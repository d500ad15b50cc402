#!/usr/bin/env python3
# Copyright 2026 The site-info-publisher authors
# SPDX-License-Identifier: Apache-2.0
"""Print a GLUE 2.0 AdminDomain entry for the local site as LDIF."""

import argparse
import configparser
import sys

DEFAULT_CONFIG = "/etc/site-info-publisher.conf"
VERSION = "1.4.0"


def load_config(path):
    parser = configparser.ConfigParser()
    if not parser.read(path):
        raise SystemExit("site-info-publisher: cannot read %s" % path)
    if not parser.has_section("site"):
        raise SystemExit("site-info-publisher: no [site] section in %s" % path)
    return parser["site"]


def ldif(site):
    name = site.get("name", "UNKNOWN-SITE")
    base = site.get("base_dn", "GLUE2GroupID=grid,o=glue")
    lines = [
        "dn: GLUE2DomainID=%s,%s" % (name, base),
        "objectClass: GLUE2Domain",
        "objectClass: GLUE2AdminDomain",
        "GLUE2DomainID: %s" % name,
        "GLUE2EntityName: %s" % name,
    ]
    if site.get("description"):
        lines.append("GLUE2DomainDescription: %s" % site["description"])
    if site.get("www"):
        lines.append("GLUE2DomainWWW: %s" % site["www"])
    if site.get("email"):
        lines.append("GLUE2EntityOtherInfo: Email=%s" % site["email"])
    lines.append("GLUE2AdminDomainDistributed: FALSE")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="site-info-publisher")
    ap.add_argument("-c", "--config", default=DEFAULT_CONFIG)
    ap.add_argument("--version", action="version", version="%(prog)s " + VERSION)
    args = ap.parse_args(argv)
    sys.stdout.write(ldif(load_config(args.config)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
