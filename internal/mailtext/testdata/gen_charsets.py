#!/usr/bin/env python3
"""Generate charsets.json: address headers in every charset the address book
must decode, encoded by Python's codecs (an implementation independent of Go's
golang.org/x/text). Run from this folder: python3 gen_charsets.py > charsets.json

Each case: name (test name), raw (the header value, base64 of the exact bytes),
want_name, want_email.
"""
import base64, json, sys

def q(b):
    out = []
    for c in b:
        ch = chr(c)
        if c == 0x20:
            out.append('_')
        elif ch.isalnum() and c < 0x80:
            out.append(ch)
        else:
            out.append('=%02X' % c)
    return ''.join(out)

def ew(label, enc, text, codec=None):
    b = text.encode(codec or label)
    if enc == 'B':
        return '=?%s?B?%s?=' % (label, base64.b64encode(b).decode())
    return '=?%s?Q?%s?=' % (label, q(b))

cases = []
def add(name, raw, want_name, want_email):
    if isinstance(raw, str):
        raw = raw.encode('ascii')
    cases.append({'name': name, 'raw': base64.b64encode(raw).decode(), 'want_name': want_name, 'want_email': want_email})

names = [
    ('utf-8', '山田 花子', None),
    ('UTF-8', 'José Müller', None),
    ('iso-2022-jp', '山田 花子', None),
    ('ISO-2022-JP', '株式会社テスト 営業部', None),
    ('shift_jis', '鈴木 一郎', None),
    ('Shift_JIS', 'ｶﾀｶﾅ 半角', None),
    ('euc-jp', '佐藤 次郎', None),
    ('CP932', '髙橋 ①', 'cp932'),
    ('windows-31j', '﨑山 ～', 'cp932'),
    ('ISO-2022-JP-MS', '田中 三郎', 'iso2022_jp'),
    ('iso-8859-1', 'François Dupré', None),
    ('iso-8859-2', 'Łukasz Żółć', None),
    ('iso-8859-15', 'Jérôme Œuvre €', None),
    ('iso-8859-7', 'Γιώργος Παπαδόπουλος', None),
    ('windows-1252', 'Zoë “Zed” Ångström', None),
    ('windows-1251', 'Иван Петров', None),
    ('windows-1250', 'Dvořák Antonín', None),
    ('koi8-r', 'Сергей Иванов', None),
    ('gb2312', '王小明', None),
    ('gbk', '欧阳 娜娜', None),
    ('big5', '陳大文', None),
    ('euc-kr', '김철수', None),
    ('ks_c_5601-1987', '이영희', 'euc-kr'),
]
for i, (label, text, codec) in enumerate(names):
    for enc in ('B', 'Q'):
        email = 'p%d%s@example.com' % (i, enc.lower())
        add('%s-%s' % (label, enc), '%s <%s>' % (ew(label, enc, text, codec), email), text, email)

# Quoted encoded word (forbidden by RFC 2047, common in Japanese mail).
add('quoted-ew', '"%s" <quoted@example.jp>' % ew('ISO-2022-JP', 'B', '山田 花子'), '山田 花子', 'quoted@example.jp')
# A character split across two encoded words (UTF-8), and ISO-2022-JP over two words.
b = '日本語の名前'.encode('utf-8')
add('utf8-split', '=?UTF-8?B?%s?= =?UTF-8?B?%s?= <split@example.jp>' % (base64.b64encode(b[:4]).decode(), base64.b64encode(b[4:]).decode()), '日本語の名前', 'split@example.jp')
add('jis-two-words', '%s\r\n %s <jis2@example.jp>' % (ew('ISO-2022-JP', 'B', '山田'), ew('ISO-2022-JP', 'B', '太郎')), '山田太郎', 'jis2@example.jp')
# Mislabelled: Shift_JIS bytes labelled ISO-2022-JP; unknown label with EUC-JP bytes.
add('mislabelled-sjis', '=?ISO-2022-JP?B?%s?= <mis@example.jp>' % base64.b64encode('山田 花子'.encode('shift_jis')).decode(), '山田 花子', 'mis@example.jp')
add('unknown-label-eucjp', '=?x-unknown?B?%s?= <unk@example.jp>' % base64.b64encode('佐藤 次郎'.encode('euc-jp')).decode(), '佐藤 次郎', 'unk@example.jp')
# Raw 8-bit header bytes.
for label, codec, text in [('raw-utf8', 'utf-8', '山田 花子'), ('raw-sjis', 'cp932', '山田 花子'),
                           ('raw-sjis-kana', 'cp932', 'ヤマダ ハナコ'), ('raw-eucjp', 'euc-jp', '山田 花子'),
                           ('raw-eucjp-kana', 'euc-jp', 'やまだ はなこ'), ('raw-latin1', 'latin-1', 'François Müller'),
                           ('raw-cp1252', 'cp1252', 'Zoë Ångström'), ('raw-jis', 'iso2022_jp', '山田 花子')]:
    email = label + '@example.jp'
    add(label, text.encode(codec) + ('  <%s>' % email).encode(), text, email)
add('raw-sjis-quoted', b'"' + '鈴木, 一郎'.encode('cp932') + b'" <suzuki@example.jp>', '鈴木, 一郎', 'suzuki@example.jp')
add('raw-sjis-backslash', b'"' + 'ソフト表'.encode('cp932') + b'" <soft@example.jp>', 'ソフト表', 'soft@example.jp')

json.dump(cases, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write('\n')
