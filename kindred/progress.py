"""The progress bar of long management commands (import_comments, make_large_community)."""

BAR_WIDTH = 30


def progress_bar(stream, before="", after=""):
    """draw(done, total): a text bar on `stream` (a command's stderr), drawn again in place on
    a terminal, else a line at each tenth (a log keeps a few lines, not thousands)."""
    is_terminal = stream.isatty()
    last = [-1]

    def draw(done, total):
        share = min(done / total, 1.0) if total else 1.0
        if not is_terminal and int(share * 10) == last[0]:
            return
        last[0] = int(share * 10)
        filled = int(share * BAR_WIDTH)
        bar = f"{before}[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}{after}"
        if is_terminal:
            stream.write(f"\r{bar}", ending="")
        else:
            stream.write(bar)

    return draw
