"""The hardened jinja2 sandbox behind :mod:`journeykit.templates`, one job a module.

Templates are written by marketers in a CRM, so every template is untrusted input.
jinja2's ``ImmutableSandboxedEnvironment`` is the base; on top of it:

- :mod:`.budget`: the render budget (work, memory, nesting) and what a value costs;
- :mod:`.values`: the text and type policy (only plain data becomes text, values a
  template makes are bounded, errors never show a repr, output is valid Unicode);
- :mod:`.access`: the allowlists of what a template may read and call;
- :mod:`.codegen` and :mod:`.environment`: the code generator that writes journeykit's
  hooks into compiled templates, and the environment that implements them;
- :mod:`.checks`: compiling a source and finding its problems without rendering;
- :mod:`.rendering`: rendering one part, bounded, with every failure a TemplateError;
- :mod:`.filters`, :mod:`.locale_filters`, :mod:`.host_filters`: the filters;
- :mod:`.context`: the documented context; :mod:`.messages`: the models of a message
  and the locale rules that pick a variant;
- :mod:`.library` and :mod:`.validation`: a registry's compiled code and its checks.

Invariants: no hook mutates its arguments; no hook reads the clock, the environment or a
random source; the same template, context, locale and zone give the same output in
every process.
"""
