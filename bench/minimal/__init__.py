"""The baseline for bench/load: the smallest Django that serves one page, and Kindred's settings
with the collected static files in a temporary folder."""
