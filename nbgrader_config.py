"""nbgrader settings for the LSTM course (see the README, "Notebooks and nbgrader").

Copy this file into your course folder (next to source/ and gradebook.db).
The autograder test cells import the grader, so grade in an environment where
`pip install "lstm-autograder[nbgrader]"` has been run.
"""
c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "lstm-course"

# a test cell runs lstm-grader on one part; each call is stopped after 10 s by
# the grader itself, so 60 s per cell only catches loops at a cell's top level
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# nbgrader releases each test cell without its hidden tests, and at autograde
# warns "Attribute 'checksum' ... has changed!" for every test cell of every
# student (jupyter/nbgrader#1961); this OverwriteCells puts the hidden tests back
# first, so the warning is left for a test cell a student really changed
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "grader.course.nbgrader_hidden_tests.RestoreHiddenTests",
    "nbgrader.preprocessors.CheckCellMetadata",
]
