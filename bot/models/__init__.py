"""Trained models as plain data: what they compute (`linear`) and how they are kept (`persist`).

scikit-learn fits the models; what a cache file, the database or the shipped folder holds is only arrays and
JSON (vocabularies, idf weights, coefficients, labels), loaded with `allow_pickle=False`. Nothing read from
disk or from the database can run code.
"""
