"""The baseline for bench/load.py: the smallest Django that serves one page, and Kindred's settings
with the collected static files in a temporary folder."""
