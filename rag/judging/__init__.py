"""Judges: does a passage answer the question, and which one best? (retrieval -> judge -> answer)"""
