"""The raw data sets → task examples, one module per family: sentiment, translation,
summaries, code, chat. Each load_* returns (train, val), sides decided by split.in_val; data.py
writes them out.
"""
