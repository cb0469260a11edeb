"""Training-time code: data sources, corruption generators, corpus, training, evaluation.

Runtime code (reading, detecting, scoring) never imports from here.
"""
