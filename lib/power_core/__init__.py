"""Domain engine of the power retailer CIS.

Pure Python: it never imports trytond, so it is tested in milliseconds and
reused by the Tryton modules, the command line and the benchmarks.
"""
__version__ = '0.1.0'
