# -*- coding: utf-8 -*-
"""nsdeploy_zone_with_serial: the zone text to serve, with the SOA serial this server needs.

    new_text = source_text | nsdeploy_zone_with_serial(served_text_or_none, serial_or_none)

Rules (the serial must change whenever the content does, and never be 0):
  * serial given            -> that serial;
  * nothing served yet      -> the serial written in the source file (at least 1);
  * served, same content    -> the served serial (re-runs change nothing);
  * served, content changed -> max(source serial, served serial + 1).
"Content" is the zone text with the SOA serial left out, so only real edits count.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import deque

from ansible.errors import AnsibleFilterError

MAX_SERIAL = 2 ** 32 - 1
# What may stand right before and right after a word (or the text's start and end).
_BEFORE_WORD_CHARS = r'\s()'
_AFTER_WORD_CHARS = r'\s();'
_SOA_WORD = re.compile(r'(?<![^%s])soa(?![^%s])' % (_BEFORE_WORD_CHARS, _AFTER_WORD_CHARS), re.IGNORECASE)
_BEFORE_WORD = re.compile(r'[%s]' % _BEFORE_WORD_CHARS)
_AFTER_WORD = re.compile(r'[%s]' % _AFTER_WORD_CHARS)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|;[^\n]*|[()]|[^\s;()"]+|\s+')


def _words(text):
    """(start, end, word) of each word of a zone file's text, comments and parentheses skipped."""
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if not (word.isspace() or word.startswith(';') or word in '()'):
            yield m.start(), m.end(), word


def _soa_words(text):
    """How many times SOA stands alone as a word (at least as many as _SOA_WORD finds).

    Found in the upper-cased text with str.find, a tenth of the time of the case-insensitive
    search on a large zone; the regex only when upper-casing changes the text's length (then
    positions would not agree).
    """
    upper = text.upper()
    if len(upper) != len(text):
        return len(_SOA_WORD.findall(text))
    count = 0
    at = upper.find('SOA')
    while at >= 0:
        before = text[at - 1] if at > 0 else ' '
        after = text[at + 3] if at + 3 < len(text) else ' '
        if _BEFORE_WORD.match(before) and _AFTER_WORD.match(after):
            count += 1
        at = upper.find('SOA', at + 1)
    return count


def _soa_serial_span(text):
    """(start, end) of the SOA serial in a zone file's text, skipping comments and parentheses."""
    found = []
    # "SOA" standing alone once in the whole text: the words up to its serial are all that is
    # needed, so a large zone is not tokenized to its end (the SOA comes first in a zone file).
    only_one = _soa_words(text) <= 1
    window = deque(maxlen=4)  # a word and the three before it
    for start, end, word in _words(text):
        window.append((start, end, word))
        # SOA as the record type: MNAME, RNAME, SERIAL follow (quoted text never matches).
        if len(window) == 4 and window[0][2].upper() == 'SOA' and word.isdigit():
            found.append((start, end))
            if only_one:
                break
    if len(found) != 1:
        raise AnsibleFilterError('zone file must contain exactly one SOA record with a numeric serial (found %d)' % len(found))
    return found[0]


def _split(text):
    start, end = _soa_serial_span(text)
    return text[:start], int(text[start:end]), text[end:]


def nsdeploy_zone_with_serial(source, served=None, serial=None):
    if not source.endswith('\n'):
        source += '\n'
    src_before, src_serial, src_after = _split(source)
    if serial is not None and str(serial) != '':
        chosen = int(serial)
    elif served:
        served_before, served_serial, served_after = _split(served)
        if (served_before, served_after) == (src_before, src_after):
            chosen = served_serial
        else:
            chosen = max(src_serial, served_serial + 1)
    else:
        chosen = max(src_serial, 1)
    if not 1 <= chosen <= MAX_SERIAL:
        raise AnsibleFilterError('SOA serial %d is outside 1..%d' % (chosen, MAX_SERIAL))
    return '%s%d%s' % (src_before, chosen, src_after)


class FilterModule(object):
    def filters(self):
        return {'nsdeploy_zone_with_serial': nsdeploy_zone_with_serial}
