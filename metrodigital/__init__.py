"""METRODIGITAL: prioritisation of the Comuni of a metropolitan city by digital maturity."""

__version__ = "0.1.0"
