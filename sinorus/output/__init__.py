"""Writing answers: JSON from stored bodies, tables and plain lines, the pager, exports.
"""
