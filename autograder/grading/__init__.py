"""The grading engine: a submission flows through small named stages.

collect -> load -> restore -> execute -> verify -> record (-> feedback)
"""
