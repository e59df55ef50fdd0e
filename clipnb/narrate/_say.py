"""The two helpers every narrate module shares: printing the sentences that apply, and a caption's title."""


def _tell(*lines) -> None:
    """Print the sentences that apply, a line each; nothing when none does."""
    text = "\n".join(line for line in lines if line)
    if text:
        print(text)


def _first(caption: str) -> str:
    """A caption's first part: its title, without the tags."""
    return caption.split(",")[0]
