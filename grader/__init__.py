"""lstm-autograder: build the LSTM in numpy and get graded part by part.

The trusted parent (this package) holds the reference solutions and compares;
student code only ever runs in a child process started by `grader.sandbox`.
"""
from __future__ import annotations

__version__ = "0.1.0"
