"""A rule on a model's own fields, written once and used in each form the code needs.

``FieldRule({"status": "approved", "payouts_enabled": True})`` gives the ORM filter (``q``), the
SQL fragment for raw statements on a table alias (``sql``; the search path is raw SQL) and the check
on an instance (``holds``). Because all three are generated from the same fields and constants,
they cannot drift apart the way three hand-written spellings did.
"""

from dataclasses import dataclass

from django.db.models import Model, Q


@dataclass(frozen=True)
class FieldRule:
    equals: dict  # field name -> constant (str or bool)

    def q(self, path: str = "") -> Q:
        """The rule as a filter; ``path`` reaches the model from another one (``"vendor__"``)."""
        return Q(**{f"{path}{name}": value for name, value in self.equals.items()})

    def sql(self, model: type[Model], alias: str) -> str:
        """The rule as SQL on ``alias``, a table alias of ``model``: ``v.status = 'approved' AND v.payouts_enabled``.

        Constants only, never values from a request, so they are written into the text; a quote is doubled anyway.
        """
        clauses = []
        for name, value in self.equals.items():
            column = f"{alias}.{model._meta.get_field(name).column}"
            if isinstance(value, bool):
                clauses.append(column if value else f"NOT {column}")
            elif isinstance(value, str):
                clauses.append(f"{column} = '{value.replace(chr(39), chr(39) * 2)}'")
            else:
                raise TypeError(f"FieldRule.sql handles str and bool constants, not {type(value).__name__}")
        return " AND ".join(clauses)

    def holds(self, instance: Model) -> bool:
        return all(getattr(instance, name) == value for name, value in self.equals.items())
