"""Known server-side template injection payloads for jinja2, as data.

Each :class:`Payload` names where it comes from: a published CVE against jinja2's sandbox
(the payload is written in the style of that CVE's proof of concept, aimed at a
journeykit context), or one of the well-known SSTI cheat-sheet payloads (PortSwigger's
research, PayloadsAllTheThings, HackTricks), or a gap journeykit's own sandbox closes
beyond jinja2's (reprs in output, mutating methods, non-determinism, escaping switches).

``expect`` is the journeykit error each one must raise in a strict template:
``"security"`` (TemplateSecurityError) or ``"missing"`` (MissingVariableError: the
payload relies on a global journeykit does not have, such as Flask's ``config``).
"""

from __future__ import annotations

from typing import Literal, NamedTuple


class Payload(NamedTuple):
    id: str
    source: str
    expect: Literal["security", "missing", "refused"]
    origin: str


PAYLOADS: tuple[Payload, ...] = (
    # ---- published CVEs against jinja2's sandbox -----------------------------------
    Payload(
        "cve-2016-10745-str-format-globals",
        "{{ '{0.__class__.__init__.__globals__}'.format(customer) }}",
        "security",
        "CVE-2016-10745: str.format reads attributes outside the sandbox",
    ),
    Payload(
        "cve-2016-10745-str-format-mro",
        "{{ '{0.__class__.__mro__[1].__subclasses__}'.format(42) }}",
        "security",
        "CVE-2016-10745",
    ),
    Payload(
        "cve-2016-10745-format-width-dos",
        "{{ '{:>999999999}'.format(1) }}",
        "security",
        "CVE-2016-10745 variant: format spec padding allocates without bound",
    ),
    Payload(
        "cve-2019-10906-format-map",
        "{{ '{x.__class__.__base__.__subclasses__}'.format_map({'x': customer}) }}",
        "security",
        "CVE-2019-10906: str.format_map escapes the sandbox",
    ),
    Payload(
        "cve-2019-10906-format-map-stored",
        "{% set fm = '{a.__init__.__globals__}'.format_map %}{{ fm({'a': namespace}) }}",
        "security",
        "CVE-2019-10906",
    ),
    Payload(
        "cve-2024-56326-stored-format",
        "{% set f = '{0.__class__.__mro__[1].__subclasses__}'.format %}{{ f(1) }}",
        "security",
        "CVE-2024-56326: indirect call of a stored str.format",
    ),
    Payload(
        "cve-2024-56326-format-via-map",
        "{{ ['{0.__class__}'] | map(attribute='format') | first }}",
        "security",
        "CVE-2024-56326: str.format reached through a filter",
    ),
    Payload(
        "cve-2024-56326-format-through-macro",
        "{% macro run(f) %}{{ f(1) }}{% endmacro %}{{ run('{0.__class__}'.format) }}",
        "security",
        "CVE-2024-56326: str.format passed to and called by a macro",
    ),
    Payload(
        "cve-2025-27516-attr-format",
        "{{ '{0.__class__.__init__.__globals__}' | attr('format') (customer) }}",
        "security",
        "CVE-2025-27516: the |attr filter fetches str.format unchecked",
    ),
    Payload(
        "cve-2025-27516-attr-format-map",
        "{{ '{a.__class__}' | attr('format_map') ({'a': 1}) }}",
        "security",
        "CVE-2025-27516",
    ),
    Payload(
        "cve-2024-56201-include-name",
        "{% include \"x\\\" + __import__('os').system('id') + \\\"\" %}",
        "security",
        "CVE-2024-56201: a template name/filename injected into generated code",
    ),
    Payload(
        "cve-2024-56201-extends-name",
        "{% extends \"{{ 7*7 }}'+__import__('os').popen('id').read()+'\" %}",
        "security",
        "CVE-2024-56201",
    ),
    Payload(
        "cve-2024-22195-xmlattr-space",
        "<div{{ {'onmouseover=alert(1) x': customer.first_name} | xmlattr }}>",
        "security",
        "CVE-2024-22195: xmlattr accepts keys with spaces (attribute injection)",
    ),
    Payload(
        "cve-2024-34064-xmlattr-slash",
        "<a{{ {'/onload=alert(1)': 1} | xmlattr }}>",
        "security",
        "CVE-2024-34064: xmlattr accepts keys with / > =",
    ),
    # ---- the classic object-graph walks ---------------------------------------------
    Payload(
        "mro-subclasses",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "base-subclasses",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "list-base-subclasses",
        "{{ [].__class__.__base__.__subclasses__() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "tuple-bases-subclasses",
        "{{ ().__class__.__bases__[0].__subclasses__() }}",
        "security",
        "cheat sheet",
    ),
    Payload("dict-literal-class", "{{ {}.__class__ }}", "security", "cheat sheet"),
    Payload(
        "int-class-subclasses",
        "{{ (1).__class__.__base__.__subclasses__() }}",
        "security",
        "cheat sheet",
    ),
    Payload("true-class", "{{ true.__class__.__mro__ }}", "security", "cheat sheet"),
    Payload("none-class", "{{ none.__class__ }}", "security", "cheat sheet"),
    Payload(
        "subclasses-file-read",
        "{{ ''.__class__.__mro__[2].__subclasses__()[40]('/etc/passwd').read() }}",
        "security",
        "cheat sheet (Python 2 file class)",
    ),
    Payload(
        "subclasses-catch-warnings-import",
        "{% for c in [].__class__.__base__.__subclasses__() %}"
        "{% if c.__name__ == 'catch_warnings' %}"
        "{{ c()._module.__builtins__['__import__']('os').popen('id').read() }}"
        "{% endif %}{% endfor %}",
        "security",
        "cheat sheet: warnings.catch_warnings to __import__",
    ),
    Payload(
        "subclasses-selectattr-popen",
        "{{ ().__class__.__base__.__subclasses__() | selectattr('__name__', 'equalto',"
        " 'Popen') | list }}",
        "security",
        "cheat sheet: find subprocess.Popen",
    ),
    Payload(
        "getattribute-class",
        "{{ ''.__getattribute__('__class__') }}",
        "security",
        "cheat sheet",
    ),
    Payload("customer-dict", "{{ customer.__dict__ }}", "security", "cheat sheet"),
    Payload(
        "getitem-chain-mro",
        "{{ customer['__class__']['__mro__'] }}",
        "security",
        "cheat sheet: subscript instead of dot",
    ),
    Payload("getitem-dunder", "{{ ''['__class__'] }}", "security", "cheat sheet"),
    Payload(
        "getitem-hex-escaped-dunder",
        "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}",
        "security",
        "cheat sheet: filter bypass with \\x5f",
    ),
    Payload(
        "getitem-unicode-escaped-dunder",
        "{{ ''['\\u005f\\u005fclass\\u005f\\u005f'] }}",
        "security",
        "cheat sheet: filter bypass with \\u005f",
    ),
    Payload(
        "getitem-computed-dunder",
        "{{ ''[('_' * 2) ~ 'class' ~ ('_' * 2)] }}",
        "security",
        "cheat sheet: name built at run time",
    ),
    Payload(
        "undefined-class",
        "{{ missing_value.__class__.__mro__ }}",
        "security",
        "cheat sheet: start from an undefined value",
    ),
    # ---- globals: config, request, self, cycler/joiner/namespace, lipsum -----------
    Payload(
        "config-init-globals-os",
        "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
        "security",
        "cheat sheet (Flask config)",
    ),
    Payload("config-items", "{{ config.items() }}", "missing", "cheat sheet (Flask config)"),
    Payload("config", "{{ config }}", "missing", "cheat sheet (Flask config)"),
    Payload(
        "request-application-globals",
        "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
        "security",
        "cheat sheet (Flask request)",
    ),
    Payload(
        "request-attr-hex-globals",
        "{{ request | attr('application') | attr('\\x5f\\x5fglobals\\x5f\\x5f') }}",
        "security",
        "cheat sheet: |attr with escaped underscores",
    ),
    Payload(
        "request-attr-joined-name",
        "{{ request | attr(['_' * 2, 'class', '_' * 2] | join) }}",
        "security",
        "cheat sheet: |attr with a joined name",
    ),
    Payload(
        "url-for-globals",
        "{{ url_for.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet (Flask url_for)",
    ),
    Payload(
        "get-flashed-messages-builtins",
        "{{ get_flashed_messages.__globals__.__builtins__.open('/etc/passwd').read() }}",
        "security",
        "cheat sheet (Flask)",
    ),
    Payload(
        "self-init-globals",
        "{{ self.__init__.__globals__.__builtins__ }}",
        "security",
        "cheat sheet: TemplateReference",
    ),
    Payload(
        "self-context-cycler",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet: TemplateReference context to cycler",
    ),
    Payload(
        "self-context-joiner",
        "{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "self-context-namespace",
        "{{ self._TemplateReference__context.namespace.__init__.__globals__.os"
        ".popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload("self-repr", "{{ self }}", "security", "cheat sheet: TemplateReference repr"),
    Payload(
        "cycler-init-globals",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "joiner-init-globals",
        "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "namespace-init-globals",
        "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "lipsum-globals-os",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "lipsum-globals-builtins-open",
        "{{ lipsum.__globals__.__builtins__.open('/etc/passwd').read() }}",
        "security",
        "cheat sheet",
    ),
    Payload("range-globals", "{{ range.__globals__ }}", "security", "cheat sheet"),
    Payload("builtins-name", "{{ __builtins__ }}", "missing", "cheat sheet"),
    Payload("import-name", "{{ __import__('os').popen('id').read() }}", "missing", "cheat sheet"),
    Payload("os-environ", "{{ os.environ }}", "missing", "cheat sheet: environment"),
    # ---- filters that read attributes by name -----------------------------------------
    Payload("attr-class", "{{ '' | attr('__class__') }}", "security", "cheat sheet"),
    Payload(
        "attr-hex-class",
        "{{ () | attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
        "security",
        "cheat sheet",
    ),
    Payload(
        "map-attribute-class",
        "{{ [1] | map(attribute='__class__') | list }}",
        "security",
        "attribute names in map()",
    ),
    Payload(
        "map-attribute-dotted-mro",
        "{{ [customer] | map(attribute='attributes.__class__.__mro__') | list }}",
        "security",
        "dotted attribute names in map()",
    ),
    Payload(
        "sort-attribute-class",
        "{{ [customer, customer] | sort(attribute='__class__') | first }}",
        "security",
        "attribute names in sort()",
    ),
    Payload(
        "groupby-attribute-class",
        "{{ [customer] | groupby('__class__') | list }}",
        "security",
        "attribute names in groupby()",
    ),
    # ---- mutation of host data (the immutable sandbox's gaps) -------------------------
    Payload(
        "dict-global-update",
        "{{ dict.update(customer.attributes, pwned=1) }}",
        "missing",
        "unbound dict.update through the dict global mutates host data in stock jinja2",
    ),
    Payload(
        "mapping-update-method",
        "{{ customer.attributes.update({'pwned': 1}) }}",
        "security",
        "mutating method",
    ),
    Payload("list-append", "{{ order.items.append(1) }}", "security", "mutating method"),
    Payload("mapping-pop", "{{ customer.attributes.pop('tier') }}", "security", "mutating"),
    Payload(
        "mapping-setdefault",
        "{{ customer.attributes.setdefault('x', 1) }}",
        "security",
        "mutating method",
    ),
    Payload(
        "namespace-private-attrs",
        "{% set ns = namespace() %}{{ ns._Namespace__attrs }}",
        "security",
        "namespace internals",
    ),
    # ---- reprs and memory addresses in output -----------------------------------------
    Payload("dict-items-repr", "{{ customer.items }}", "missing", "bound method repr"),
    Payload("lipsum-repr", "{{ lipsum }}", "missing", "function repr in stock jinja2"),
    Payload(
        "loop-cycle-repr",
        "{% for p in products %}{{ loop.cycle }}{% endfor %}",
        "security",
        "bound method repr",
    ),
    Payload("range-repr", "{{ range }}", "security", "function repr"),
    Payload("namespace-repr", "{{ namespace }}", "security", "class repr"),
    Payload("macro-repr", "{% macro m() %}{% endmacro %}{{ m }}", "security", "macro repr"),
    Payload("str-join-repr", "{{ ''.join }}", "security", "builtin method repr"),
    Payload(
        "generator-repr",
        "{{ customer.attributes | items }}",
        "security",
        "generator repr",
    ),
    Payload("string-filter-repr", "{{ customer.items | string }}", "missing", "repr"),
    Payload("join-filter-repr", "{{ [customer.items] | join(',') }}", "missing", "repr"),
    Payload("concat-repr", "{{ '' ~ customer.keys }}", "missing", "repr via ~"),
    Payload("upper-filter-repr", "{{ customer.values | upper }}", "missing", "repr"),
    Payload("escape-filter-repr", "{{ customer.get | e }}", "missing", "repr"),
    Payload("percent-format-repr", "{{ '%r' % customer.items }}", "security", "repr via %"),
    Payload("format-filter-repr", "{{ '%s' | format(customer.items) }}", "refused", "repr"),
    Payload("format-filter-view", "{{ '%s' | format(customer.items()) }}", "refused", "repr"),
    Payload("string-filter-view", "{{ customer.items() | string }}", "refused", "repr"),
    Payload("concat-view", "{{ '' ~ customer.keys() }}", "refused", "repr via ~"),
    Payload("pprint-repr", "{{ customer | pprint }}", "security", "repr"),
    Payload(
        "macro-func-globals",
        "{% macro m() %}{% endmacro %}{{ m._func.__globals__ }}",
        "security",
        "macro internals",
    ),
    Payload(
        "macro-attributes",
        "{% macro m() %}{% endmacro %}{{ m.arguments }}",
        "security",
        "macro internals",
    ),
    Payload(
        "caller-globals",
        "{% macro m() %}{{ caller.__globals__ }}{% endmacro %}{% call m() %}x{% endcall %}",
        "security",
        "caller internals",
    ),
    Payload(
        "loop-private-iterator",
        "{% for p in products %}{{ loop._iterator }}{% endfor %}",
        "security",
        "loop internals",
    ),
    Payload(
        "generator-frame-globals",
        "{{ (customer.attributes | items).gi_frame.f_globals }}",
        "security",
        "generator frame (UNSAFE_GENERATOR_ATTRIBUTES)",
    ),
    Payload(
        "generator-code",
        "{{ ([1] | map('string')).gi_code }}",
        "security",
        "generator code object",
    ),
    Payload(
        "bound-method-self",
        "{{ customer.attributes.get.__self__ }}",
        "security",
        "method's bound object",
    ),
    # ---- clock, randomness, files, imports, escaping switches -------------------------
    Payload("datetime-now", "{{ customer.created_at.now() }}", "security", "reads the clock"),
    Payload("datetime-tzinfo", "{{ customer.created_at.tzinfo }}", "security", "host object"),
    Payload("random-filter", "{{ [1, 2] | random }}", "security", "non-deterministic"),
    Payload("include-passwd", "{% include '/etc/passwd' %}", "security", "file read"),
    Payload(
        "import-os",
        "{% import 'os' as os %}{{ os.system('id') }}",
        "security",
        "import",
    ),
    Payload(
        "from-import-popen",
        "{% from 'os' import popen %}{{ popen('id') }}",
        "security",
        "import",
    ),
    Payload("extends-passwd", "{% extends '/etc/passwd' %}", "security", "file read"),
    Payload(
        "block-super",
        "{% block x %}{{ super() }}{% endblock %}",
        "security",
        "template inheritance",
    ),
    Payload(
        "autoescape-off",
        "{% autoescape false %}{{ customer.first_name }}{% endautoescape %}",
        "security",
        "switches off HTML escaping",
    ),
    Payload("safe-filter", "{{ customer.first_name | safe }}", "security", "HTML injection"),
    Payload("tojson-filter", "{{ customer.items() | tojson }}", "refused", "dumps a host object"),
    Payload("tojson-namespace", "{{ namespace | tojson }}", "security", "dumps a host object"),
)
