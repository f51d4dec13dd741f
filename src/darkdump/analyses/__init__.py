"""What belongs to one analysis: published references and analysis-specific data.

One sub-package per analysis (``na62_2021``). Generic stages never import from here.
"""
