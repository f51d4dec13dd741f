"""Shared plotting conventions (as in mplhep and hist), for every stage's plots module.

* A plotting function takes ``ax=None``, draws, and returns the Axes. With ``ax=None``
  it makes a new figure with pyplot, i.e. with whatever backend the caller uses
  (inline in a notebook); darkdump never switches the backend.
* The mplhep ROOT style is applied in a context manager (:func:`style`), never globally.
* Files are written by :func:`write_figure`: a figure of its own (matplotlib's Agg
  canvas, no pyplot state), drawn in the style, saved atomically.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "axes_or_new",
    "label_epsilon",
    "new_figure",
    "save_figure",
    "style",
    "write_figure",
]


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the mplhep ROOT style inside a ``with`` block only."""
    import matplotlib as mpl
    import mplhep

    with mpl.rc_context(mplhep.style.ROOT):
        yield


def new_figure(
    ncols: int = 1, figsize: tuple[float, float] = (8.0, 6.0), **subplot_kw: Any
) -> tuple[Any, Any]:
    """Make a figure on matplotlib's Agg canvas, not registered with pyplot, and its Axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, **subplot_kw)
    return fig, axes


def axes_or_new(ax: Any, figsize: tuple[float, float] = (8.0, 6.0), ncols: int = 1) -> Any:
    """``ax`` itself, or new Axes from pyplot (the caller's backend) when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, ncols, figsize=figsize)
    return axes


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save a figure as PNG (100 dpi), atomically, and return the path."""
    from darkdump.results.io import atomic_write_bytes

    buffer = io.BytesIO()
    # Fixed margins: one draw pass (a tight bbox or a layout engine doubles the cost,
    # dominated by the log-axis tick labels).
    fig.subplots_adjust(left=0.14, right=0.95, bottom=0.15, top=0.92)
    fig.savefig(buffer, format="png", dpi=100)
    return atomic_write_bytes(path, buffer.getvalue())


def write_figure(
    draw: Callable[..., Any],
    path: str | Path,
    *args: Any,
    figsize: tuple[float, float] = (8.0, 6.0),
    ncols: int = 1,
    subplot_kw: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Path:
    """Draw ``draw(*args, ax=axes, **kwargs)`` on a figure of its own and save it as PNG."""
    with style():
        fig, axes = new_figure(ncols, figsize, **(subplot_kw or {}))
        draw(*args, ax=axes, **kwargs)
        return save_figure(fig, path)


#: One figure: ``(plotting function, PNG path, args, kwargs, layout)``; the function
#: draws on the Axes it is given; ``layout`` holds the ``figsize`` and ``ncols`` of
#: :func:`write_figure`. Jobs are plain data, so a Dask worker can draw them.
FigureJob = tuple[Callable[..., Any], Path, tuple[Any, ...], dict[str, Any], dict[str, Any]]


def draw(job: FigureJob) -> Path:
    """Draw one figure job into its PNG file; return the written path."""
    func, path, args, kwargs, layout = job
    return write_figure(func, path, *args, **layout, **kwargs)


def label_epsilon(ax: Any) -> None:
    """Label the coupling axis with an upright epsilon.

    The ROOT style rotates y labels, which turns a lone epsilon into something that
    reads as omega.
    """
    ax.set_ylabel(r"$\varepsilon$", rotation=0, ha="right", va="bottom", fontsize=24)
    ax.yaxis.set_label_coords(-0.02, 1.03)
