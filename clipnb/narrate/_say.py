"""What every narrate module shares: printing the sentences that apply, a caption's title, and the coin-toss margin."""


COIN_TOSS = 0.01   # a nearest word that wins by less than a hundredth of a cosine could as well be its runner-up


def _tell(*lines) -> None:
    """Print the sentences that apply, a line each; nothing when none does."""
    text = "\n".join(line for line in lines if line)
    if text:
        print(text)


def _first(caption: str) -> str:
    """A caption's first part: its title, without the tags; a title of two letters or fewer ("sm") keeps its first tag
    beside it ("sm (stickmen)"), so that it says something."""
    parts = [part.strip() for part in caption.split(",")]
    return f"{parts[0]} ({parts[1]})" if len(parts[0]) <= 2 and len(parts) > 1 and parts[1] else parts[0]
