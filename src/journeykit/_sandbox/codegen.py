"""Code generation: jinja2's compiler with journeykit's hooks written into the code.

jinja2 offers hooks for attribute and item reads, calls and binary operators; everything
else a template can do is compiled to plain Python. This generator routes the rest
through the environment too (``environment.journeykit_*``, see
:mod:`journeykit._sandbox.environment`):

- a ``for`` loop's iterable, so the loop is charged for its length before it starts;
- ``~`` (text only, size-checked), comparisons (each operand charged for what comparing
  may scan), slices (a copy, counted like any value the template builds);
- list, tuple and dict literals, charged for what they hold (a literal is not free: a
  loop can build one per iteration), with dict keys measured *before* they are hashed;
- the result of a ``{% filter %}`` block, which jinja2 writes out raw: it is turned into
  text and escaped in the html part like any ``{{ ... }}``;
- output: one chunk per output node (jinja2 yields one per piece), so counting the
  output as it is produced costs less;
- the buffers of macros and blocks, which count what is written into them.

Refused while compiling: the ``autoescape`` tag, the ``self`` reference, and layout
references (``extends``, ``include``, ``import``) that are not a written-out layout name
or that say ``ignore missing``. The generator also records the names a template reads
from its context (as jinja2's ``meta.find_undeclared_variables`` would), so checking a
template needs one pass, not two.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any, NoReturn

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import TemplateAssertionError
from jinja2.idtracking import VAR_LOAD_RESOLVE

__all__ = [
    "LAYOUT_NAME",
    "REFUSED_TAGS",
    "SELF_REFUSED",
    "Generator",
    "RefusedConstructError",
    "layout_reference_problem",
    "reading_names",
    "super_problem",
]

#: A layout's name as written in ``extends``/``include``/``import``: the same rule as a
#: template's name.
LAYOUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")

REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.ScopedEvalContextModifier: "'autoescape' is not available: escaping in the html"
    " part cannot be switched off",
    nodes.EvalContextModifier: "'autoescape' is not available: escaping in the html part"
    " cannot be switched off",
}
SELF_REFUSED = "'self' is not available in templates"

_NAMES: ContextVar[set[str] | None] = ContextVar("journeykit_template_names", default=None)


class reading_names:  # noqa: N801 - used like a function: ``with reading_names() as names:``
    """Collect, while compiling, the names a template reads from its context."""

    __slots__ = ("_names", "_token")

    def __enter__(self) -> set[str]:
        self._names: set[str] = set()
        self._token = _NAMES.set(self._names)
        return self._names

    def __exit__(self, *exc: object) -> None:
        _NAMES.reset(self._token)


class RefusedConstructError(TemplateAssertionError):
    """A tag or name the sandbox refuses at compile time."""


_EXAMPLES: dict[type[nodes.Node], tuple[str, str]] = {
    nodes.Extends: ("extends", "{% extends 'email' %}"),
    nodes.Include: ("include", "{% include 'footer' %}"),
    nodes.Import: ("import", "{% import 'macros' as m %}"),
    nodes.FromImport: ("from ... import", "{% from 'macros' import button %}"),
}


def layout_reference_problem(node: nodes.Node) -> str | None:
    """Why a layout reference (``extends``, ``include``, ``import``) is refused, if it is."""
    template = getattr(node, "template", None)
    tag, example = _EXAMPLES.get(type(node), ("include", "{% include 'footer' %}"))
    if not (isinstance(template, nodes.Const) and isinstance(template.value, str)):
        return (
            f"'{tag}' needs a layout name written out in quotes, such as {example};"
            " names computed from data are not allowed"
        )
    if not LAYOUT_NAME.match(template.value):
        return (
            f"'{tag}' names {template.value[:40]!r}, which is not a layout name (1-100"
            " letters, digits, '_', '-' or '.'); templates reach only the layouts of their"
            " own registry"
        )
    if getattr(node, "ignore_missing", False):
        return "'ignore missing' is not available: every layout a template names must exist"
    return None


SUPER_REFUSED = "super() works only in a template that extends a layout"


def super_problem(ast: nodes.Template) -> tuple[int, str] | None:
    """The line and reason when ``ast`` calls ``super()`` without extending a layout
    (there is no parent block to call)."""
    if ast.find(nodes.Extends) is not None:
        return None
    for call in ast.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "super":
            return call.lineno, SUPER_REFUSED
    return None


class Generator(CodeGenerator):
    """jinja2's code generator with journeykit's hooks written into the code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ids of the for loops' iterable expressions (jinja2 allows no custom nodes,
        # so the wrapper is written around the expression when it is visited)
        self._loop_iterables: set[int] = set()
        self._names = _NAMES.get()

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) in self._loop_iterables:
            self.write("environment.journeykit_loop(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        if self._names is not None:
            for action, param in frame.symbols.loads.values():
                if action == VAR_LOAD_RESOLVE and param not in self.environment.globals:
                    self._names.add(param)

    def _refuse(self, node: nodes.Node, message: str) -> NoReturn:
        raise RefusedConstructError(message, node.lineno, self.name, self.filename)

    # Refused constructs -------------------------------------------------------------

    def visit_ScopedEvalContextModifier(  # noqa: N802
        self, node: nodes.ScopedEvalContextModifier, frame: Frame
    ) -> None:
        self._refuse(node, REFUSED_TAGS[nodes.ScopedEvalContextModifier])

    def visit_EvalContextModifier(self, node: nodes.EvalContextModifier, frame: Frame) -> None:  # noqa: N802
        self._refuse(node, REFUSED_TAGS[nodes.EvalContextModifier])

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:  # noqa: N802
        # jinja2 binds ``self`` (a TemplateReference) before visiting the body, so refuse
        # it here rather than when the name is visited.
        for name in node.find_all(nodes.Name):
            if name.name == "self":
                self._refuse(name, SELF_REFUSED)
        problem = super_problem(node)
        if problem is not None:
            raise RefusedConstructError(problem[1], problem[0], self.name, self.filename)
        super().visit_Template(node, frame)

    def _layout(self, node: nodes.Node) -> None:
        problem = layout_reference_problem(node)
        if problem is not None:
            self._refuse(node, problem)

    def visit_Extends(self, node: nodes.Extends, frame: Frame) -> None:  # noqa: N802
        self._layout(node)
        super().visit_Extends(node, frame)

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:  # noqa: N802
        self._layout(node)
        super().visit_Include(node, frame)

    def visit_Import(self, node: nodes.Import, frame: Frame) -> None:  # noqa: N802
        self._layout(node)
        super().visit_Import(node, frame)

    def visit_FromImport(self, node: nodes.FromImport, frame: Frame) -> None:  # noqa: N802
        self._layout(node)
        super().visit_FromImport(node, frame)

    # Hooks ----------------------------------------------------------------------------

    def visit_For(self, node: nodes.For, frame: Frame) -> None:  # noqa: N802
        self._loop_iterables.add(id(node.iter))
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802
        # Not folded at compile time, sizes checked, reprs refused.
        self.write("environment.journeykit_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {bool(frame.eval_ctx.autoescape)!r})")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:  # noqa: N802
        # ``in`` and ``==`` scan their operands, and jinja2 offers no hook for them: charge
        # each operand for its size (Python's chained comparison keeps short-circuiting).
        self.write("(")
        self._operand(node.expr, frame)
        for operand in node.ops:
            self.write(f" {operators[operand.op]} ")
            self._operand(operand.expr, frame)
        self.write(")")

    def _operand(self, node: nodes.Expr, frame: Frame) -> None:
        self.write("environment.journeykit_operand(")
        self.visit(node, frame)
        self.write(")")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:  # noqa: N802
        # jinja2 sends slices straight to ``obj[...]``; send them through getitem too.
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.journeykit_slice(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for index, bound in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            if index:
                self.write(", ")
            if bound is None:
                self.write("None")
            else:
                self.visit(bound, frame)
        self.write("))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:  # noqa: N802
        self.write("environment.journeykit_literal(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:  # noqa: N802
        if node.ctx != "load":  # a loop target or an unpacking assignment
            super().visit_Tuple(node, frame)
            return
        self.write("environment.journeykit_literal(")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:  # noqa: N802
        # Pairs first, so the keys are measured before the dict hashes them.
        self.write("environment.journeykit_dict((")
        for item in node.items:
            self.write("(")
            self.visit(item.key, frame)
            self.write(", ")
            self.visit(item.value, frame)
            self.write("), ")
        self.write("))")

    def visit_Filter(self, node: nodes.Filter, frame: Frame) -> None:  # noqa: N802
        # A filter with no operand is a {% filter %} block's, and jinja2 writes its
        # result out raw: send it through finalize and escaping like every {{ ... }}.
        if node.node is not None:
            super().visit_Filter(node, frame)
            return
        self.write("environment.journeykit_output(")
        super().visit_Filter(node, frame)
        self.write(f", {bool(frame.eval_ctx.autoescape)!r})")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:  # noqa: N802
        # One chunk per output node rather than one per piece: the render counts its
        # output chunk by chunk, and fewer chunks make that (and the generator) cheaper.
        if frame.buffer is not None or len(node.nodes) < 2:
            super().visit_Output(node, frame)
            return
        pieces = self.temporary_identifier()
        self.writeline(f"{pieces} = []")
        frame.buffer = pieces
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.writeline(f"yield ''.join({pieces})")

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.journeykit_buffer()")
