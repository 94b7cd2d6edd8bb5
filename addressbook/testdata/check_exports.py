#!/usr/bin/python3
"""Read Mailark's exports with independent parsers and print what they saw as
JSON, for python_test.go: vCards with vobject (Debian's python3-vobject), CSV
with the csv module.

usage: check_exports.py KIND=PATH ...   KIND: vcard, csv-utf8, csv-cp932
"""
import csv, json, sys

import vobject


def read_vcards(path):
    with open(path, encoding='utf-8', newline='') as f:
        text = f.read()
    out = []
    for card in vobject.readComponents(text, validate=True):
        n = card.n.value
        out.append({
            'version': card.version.value,
            'fn': card.fn.value,
            'n': [n.family, n.given, n.additional] if hasattr(n, 'family') else [str(n)],
            'emails': [e.value for e in card.contents.get('email', [])],
            'note': card.note.value if hasattr(card, 'note') else '',
            'categories': [v for c in card.contents.get('categories', []) for v in c.value],
            'uid': card.uid.value,
        })
    return out


def read_csv(path, encoding):
    with open(path, encoding=encoding, newline='') as f:
        rows = list(csv.DictReader(f))
    return rows


result = {}
for arg in sys.argv[1:]:
    kind, path = arg.split('=', 1)
    if kind == 'vcard':
        result[path] = read_vcards(path)
    elif kind == 'csv-utf8':
        result[path] = read_csv(path, 'utf-8-sig')
    elif kind == 'csv-cp932':
        result[path] = read_csv(path, 'cp932')
    else:
        sys.exit('unknown kind ' + kind)
json.dump(result, sys.stdout, ensure_ascii=False)
