"""``losscli list`` and ``losscli explain``: pages generated from the registry."""

from __future__ import annotations

from losscli.cli.options import ColorMode
from losscli.errors import UsageError
from losscli.losses.registry import all_losses, get_loss, tasks_of
from losscli.render.model import Grid
from losscli.spec import COMPAT_PRESETS, TASKS, LossSpec


def show_list(task: str | None, color: ColorMode) -> int:
    from losscli.cli.display import show_grids

    if task is not None and task not in TASKS:
        raise UsageError(f"unknown task '{task}'", f"use one of {', '.join(TASKS)}")
    rows = [
        [
            s.name,
            ", ".join(s.aliases),
            ", ".join(tasks_of(s)),
            s.formula + (" ↑" if s.higher_is_better else ""),
        ]
        for s in all_losses(task)
    ]
    grid = Grid(
        "losses (↑: higher is better)",
        ["name", "aliases", "task", "per-sample loss"],
        rows,
        [False] * 4,
        drop_first=("task",),
        wrap=("aliases",),  # names and aliases whole; formulas wrap
        fold=("per-sample loss",),
        stack=(("aliases", "name"),),  # narrow: aliases under the name rather than no formula
    )
    show_grids([grid], [], color)
    return 0


def explain_text(spec: LossSpec) -> str:
    lines = [f"{spec.name} — {spec.summary}", ""]
    where = "   (d = ŷ − y, y label, ŷ prediction)" if spec.task == "regression" else ""
    lines += [f"  per-sample:  {spec.formula}{where}"]
    lines += [
        f"  reported:    {spec.finalize_text if spec.finalize_text != 'mean' else 'Σwℓ / Σw (weighted mean)'}"
    ]
    lines += [
        f"  task:        {', '.join(tasks_of(spec))}; {'higher' if spec.higher_is_better else 'lower'} is better"
    ]
    if spec.aliases:
        lines += [f"  aliases:     {', '.join(spec.aliases)}"]
    if (named := _named_example(spec)) is not None:
        lines += [
            f"  named:       {spec.name}, or {named} (parameters other than the defaults), in every output"
        ]
    lines += ["", "Parameters:"]
    if not [p for p in spec.params if not p.hidden]:
        lines += ["  none"]
    for p in (p for p in spec.params if not p.hidden):
        option = (
            f"{p.option}/--no-{p.option[2:]}" if p.type is bool else f"{p.option} {p.type.__name__.upper()}"
        )
        lines += [f"  {option:<28} {p.help} (default {p.default!r})"]
    domain = spec.domain(spec.defaults())
    tasks = tasks_of(spec)
    if len(tasks) == 1:
        lines += ["", "Inputs:", f"  {spec.inputs_text or INPUTS[spec.task]}; weights optional (--weight)"]
    else:  # a loss with variants (roc-auc --multi-class): the inputs of each task
        lines += ["", "Inputs (weights optional, --weight):", *(f"  {t}: {INPUTS[t]}" for t in tasks)]
    if domain:
        lines += [f"  requires: {', '.join(b.describe() for b in domain)} (with default parameters)"]
    lines += ["", "Conventions:"]
    lines += [f"  - {note}" for note in spec.notes] or ["  - weighted mean Σwℓ/Σw, as scikit-learn"]
    if spec.equivalents:
        lines += ["", "Agrees with:"] + [f"  - {e}" for e in spec.equivalents]
    lines += ["", "Confidence interval (--ci):", *(f"  {line}" for line in ci_text(spec))]
    lines += ["", "Compatibility (--compat):"] + [
        f"  {preset:<8} {text}" for preset, text in compat_lines(spec)
    ]
    arrays = ", ".join(
        [role for role in spec.inputs if role not in spec.optional_inputs]
        + [f"{role}=None" for role in spec.optional_inputs]
    )
    lines += ["", "Python:", f"  losscli.losses.{spec.name.replace('-', '_')}({arrays}, ...)"]
    lines += ["", "Example:", f"  {spec.example}"]
    return "\n".join(lines) + "\n"


def ci_text(spec: LossSpec) -> list[str]:
    """What ``--ci`` gives for this loss."""
    if not spec.smooth:
        return [f"not available (exit 2): {spec.no_interval}"]
    if spec.jackknifed:
        from losscli.intervals import JACKKNIFE_GROUPS

        return [
            "the grouped jackknife of the value: the units (rows, blocks of --ci-block N rows, or",
            f"--id values) fall into {JACKKNIFE_GROUPS} groups by a fixed hash of the unit; θ₍g₎ is the",
            "value of the rows outside group g, se² = (G − 1)/G · Σ_g (θ₍g₎ − θ̄)², and the",
            "interval is value ∓ t_{G−1} · se, cut to the value's range. Rows sharing an --id value",
            "or a --ci-block block stay in one group. compare pairs two models' θ₍g₎ on the same",
            "groups (the same rows). Exit 2 when a group's left-out value is undefined.",
        ]
    if spec.interval == "sums":
        summed = spec.interval_text or "the summary's per-row statistics"
        return [
            f"a BCa bootstrap of {summed}:",
            "each resample sums its units' cells and recomputes the value from them with the",
            "same formula (over the classes or bins of the whole data). Units: rows, --ci-block N",
            "rows or --id values; past 1,000 units, 1,000 hash buckets. compare pairs two models",
            "on the same resamples.",
        ]
    return [
        "a BCa bootstrap interval for the value: an interval built this way holds the loss",
        "of the population the rows were drawn from at the level asked (95% of the time for",
        "--ci 0.95). Units resampled: rows, blocks of --ci-block N rows, or --id values;",
        "past 1,000 units they are summed into 1,000 hash buckets (bounded memory).",
    ]


def _named_example(spec: LossSpec) -> str | None:
    """How a run with a parameter other than its default names the loss (LossSpec.named):
    ``top-k-error(k=2) with --k 2``: a value from the page's example, else a boolean
    flag turned over, else ``…``."""
    visible = [p for p in spec.params if not p.hidden]
    for p in visible:
        given = spec.example.partition(f"{p.option} ")[2].split(" ")[0]
        if given and p.type in (int, float, str) and p.type(given) != p.default:
            return f"{spec.named({p.name: p.type(given)})} with {p.option} {given}"
    for p in visible:
        if p.type is bool:
            flag = f"--no-{p.option[2:]}" if p.default else p.option
            return f"{spec.named({p.name: not p.default})} with {flag}"
    return f"{spec.name}({visible[0].name}=…) with {visible[0].option} …" if visible else None


INPUTS = {
    "regression": "one prediction column, one label column",
    "binary": "one score column (probability, or logit with --from-logits); labels 0/1, true/false, ±1 or --positive",
    "multiclass": "K score columns (--pred 'prob_*' or a list); labels are class indices or class-column suffixes",
    "distribution": "K target columns (--label 'p_*') and K prediction columns (--pred 'q_*')",
    "multilabel": "K 0/1 label columns (--label) and K score columns (--pred)",
}


COMPAT_TEXT = {
    ("log_clamp", -100.0): "log p floored at −100 instead of clipping p",
    ("eps", 1e-07): "ε = 1e-7",
    ("percent", True): "reported in percent (×100)",
    (
        "binning",
        "torch",
    ): "torchmetrics' bins: [a, b) on torch.linspace edges, a confidence of 1 in a bin of its own",
}


def compat_lines(spec: LossSpec) -> list[tuple[str, str]]:
    """What each ``--compat`` preset changes for this loss."""
    out = []
    for preset in COMPAT_PRESETS:
        changes = [
            COMPAT_TEXT.get((k, v), f"{k.replace('_', '-')}={v}")
            for k, v in spec.compat.get(preset, {}).items()
        ]
        if preset == "keras":
            changes.append("weighted mean divides by N (not Σw)")
        out.append((preset, "; ".join(changes) if changes else "same as the default"))
    return out


def show_explain(name: str) -> int:
    from losscli.cli.display import write_text

    write_text(explain_text(get_loss(name)))
    return 0
