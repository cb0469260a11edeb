"""Inject realistic page furniture into clean articles: training and test data for the
boilerplate detector.

Junk comes in blocks (a comment form, a "Related Posts" list with a few headlines, a byline
with its date, a cookie notice...). Each block is inserted as its own blank-line separated
paragraph, or with each line its own paragraph, as scraped pages show both. The returned spans
are exactly the :attr:`~pipeline.text.Document.lines` spans of the inserted lines.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Literal

from pipeline.text import STOPWORDS, Document
from pipeline.training.corruption import Corruption

Position = Literal["head", "tail", "middle"]
POSITIONS: tuple[Position, ...] = ("head", "tail", "middle")

_FIRST = (
    "James",
    "Sarah",
    "Darnell",
    "Priya",
    "Michael",
    "Laura",
    "Ahmed",
    "Chen",
    "Olivia",
    "Tom",
    "Maria",
    "Kwame",
    "Emily",
    "David",
    "Sofia",
    "Raj",
    "Hannah",
    "Luis",
    "Grace",
    "Ben",
    "Aisha",
    "Peter",
    "Nina",
    "Oliver",
    "Yuki",
    "Daniel",
    "Fatima",
    "Jack",
    "Elena",
)
_LAST = (
    "Taylor",
    "Smith",
    "Johnson",
    "Patel",
    "Nguyen",
    "Garcia",
    "O'Brien",
    "Kim",
    "Walker",
    "Okafor",
    "Müller",
    "Rossi",
    "Brown",
    "Davies",
    "Hernandez",
    "Cohen",
    "Wright",
    "Khan",
    "Evans",
    "Lopez",
    "Murphy",
    "Singh",
    "Clarke",
    "Novak",
    "Reyes",
    "Foster",
    "Ali",
)
_SITES = (
    "GeekWire",
    "Tech News",
    "The Daily Post",
    "NewsNow",
    "Metro Herald",
    "IANS",
    "CNN",
    "WorldWire",
    "The Courier",
    "Daily Digest",
    "InfoTimes",
    "NewsBeat",
    "Sun Tribune",
)
_AGENCIES = ("Getty Images", "AP", "Reuters", "AFP", "EPA", "Shutterstock", "PA")
_TOPICS = (
    "Business",
    "Politics",
    "Technology",
    "Sport",
    "Entertainment",
    "World",
    "Health",
    "Science",
    "Opinion",
    "Markets",
    "Lifestyle",
    "Travel",
    "Local News",
)
_TAG_WORDS = (
    "Microsoft",
    "election",
    "economy",
    "football",
    "music",
    "film",
    "privacy",
    "China",
    "Brexit",
    "climate",
    "startups",
    "banking",
    "Apple",
    "police",
    "education",
    "budget",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_HEADLINE_SUBJECTS = (
    "Government",
    "Police",
    "Shares",
    "Fans",
    "Scientists",
    "Council",
    "Ministers",
    "Stars",
    "Investors",
    "Doctors",
    "Officials",
    "Campaigners",
    "Tech giant",
    "Union",
)
_HEADLINE_VERBS = (
    "warn over",
    "call for",
    "reject",
    "back",
    "face questions over",
    "celebrate",
    "unveil plans for",
    "probe",
    "clash over",
    "react to",
)
_HEADLINE_OBJECTS = (
    "new tax rules",
    "transfer deal",
    "data breach",
    "record profits",
    "film awards",
    "school budget",
    "festival plans",
    "energy prices",
    "election result",
    "phone launch",
)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _date(rng: random.Random) -> str:
    year = rng.randint(2004, 2023)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    name = _MONTHS[month - 1]
    return rng.choice(
        (
            f"{name} {day}, {year}",
            f"{day} {name} {year}",
            f"{name[:3]} {day}, {year}",
            f"{month:02d}/{day:02d}/{year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{name} {day}, {year}",
        )
    )


def _time(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(('AM', 'PM', 'am', 'pm'))}",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} "
            f"{rng.choice(('PM ET', 'AM ET', 'GMT'))}",
        )
    )


def _headline(rng: random.Random, headlines: Sequence[str]) -> str:
    if headlines and rng.random() < 0.8:
        return rng.choice(headlines).strip()
    return (
        f"{rng.choice(_HEADLINE_SUBJECTS)} {rng.choice(_HEADLINE_VERBS)} "
        f"{rng.choice(_HEADLINE_OBJECTS)}"
    )


def _n(rng: random.Random) -> int:
    return rng.choice((0, 1, 2, 3, 5, 8, 12, 27, 87, 140, 356, 1204, 15873))


Block = Callable[[random.Random, Sequence[str]], list[str]]


def _share(rng: random.Random, h: Sequence[str]) -> list[str]:
    site = rng.choice(_SITES).replace(" ", "")
    options = [
        ["Share this article"],
        ["Share on Facebook", "Share on Twitter"],
        ["Share this:", "Click to share on Twitter (Opens in new window)"],
        [f"Follow us on Twitter @{site}"],
        [f"Follow {_name(rng)} on Twitter"],
        ["Facebook Twitter Pinterest WhatsApp Email"],
        ["Email | Print | Share"],
        [f"{_n(rng)} shares"],
        ["Like us on Facebook to see similar stories"],
        ["Tweet", "Share", "Pin"],
        ["Share via Email", f"Follow @{site.lower()}"],
    ]
    return rng.choice(options)


def _counter(rng: random.Random, h: Sequence[str]) -> list[str]:
    return [
        rng.choice(
            (
                f"Views: {_n(rng)}",
                f"Comments: {_n(rng)}",
                f"{_n(rng)} Comments",
                f"{_n(rng)} views",
                f"Read {_n(rng)} times",
                f"{_n(rng)} Likes",
                f"{_n(rng)} comments",
                f"Comments ({_n(rng)})",
            )
        )
    ]


def _byline(rng: random.Random, h: Sequence[str]) -> list[str]:
    name, date, time, site = _name(rng), _date(rng), _time(rng), rng.choice(_SITES)
    options = [
        [name, date],
        [f"By {name}"],
        [f"By {name}, {site} Staff Writer"],
        [date],
        [f"Posted on {date} by {name}"],
        [f"Published {date} | Updated {time}"],
        [f"{name} | {date}"],
        [f"Last updated: {date} {time}"],
        [f"First published {date}: {time}"],
        [f"{rng.randint(2, 12)} min read"],
        [f"Updated {rng.randint(1, 23)} hours ago"],
        [f"By {name}", f"{date} {time}"],
        [f"{site} ({rng.choice(('Washington', 'London', 'New York', 'Delhi'))}) {date}"],
    ]
    return rng.choice(options)


def _related(rng: random.Random, h: Sequence[str]) -> list[str]:
    header = rng.choice(
        (
            "Related Posts",
            "You might also like",
            "Related Articles:",
            f"More from {rng.choice(_SITES)}",
            "Most Popular",
            "Recommended for you",
            "Trending Now",
            "You may also like",
            "Related Stories",
            "More on this story",
        )
    )
    inline = rng.random()
    if inline < 0.3:
        prefix = rng.choice(
            ("Read more: ", "ALSO READ: ", "Related: ", "READ MORE: ", "See also: ")
        )
        return [prefix + _headline(rng, h)]
    if inline < 0.4:
        return [header]
    if inline < 0.45:
        return [f"Other reports by {_name(rng)}"]
    return [header, *(_headline(rng, h) for _ in range(rng.randint(1, 4)))]


def _comment_form(rng: random.Random, h: Sequence[str]) -> list[str]:
    options = [
        ["Leave a Reply"],
        ["Leave A Reply", "Your email address will not be published."],
        ["Leave a Reply Cancel reply"],
        ["Your email address will not be published. Required fields are marked *"],
        ["Comment", "Name *", "Email *", "Website"],
        ["Add Comment"],
        ["Discuss This Article"],
        ["Post a comment"],
        ["Save my name, email, and website in this browser for the next time I comment."],
        [f"{_n(rng)} thoughts on “{_headline(rng, h)}”"],
        ["Comments are closed."],
        ["Be the first to comment"],
        ["Notify me of new posts by email."],
        ["You must be logged in to post a comment."],
        ["Join the discussion"],
        [f"{_name(rng)} says:", f"{_date(rng)} at {_time(rng)}", "Reply"],
    ]
    return rng.choice(options)


def _cookie(rng: random.Random, h: Sequence[str]) -> list[str]:
    options = [
        ["We use cookies to ensure that we give you the best experience on our website."],
        [
            "This website uses cookies to improve your experience. We'll assume you're ok with "
            "this, but you can opt-out if you wish. Accept Read More"
        ],
        ["By continuing to use this site you agree to our use of cookies."],
        ["Accept", "Cookie Policy"],
        ["We and our partners use cookies to personalise content and ads."],
    ]
    return rng.choice(options)


def _newsletter(rng: random.Random, h: Sequence[str]) -> list[str]:
    site = rng.choice(_SITES)
    options = [
        ["Subscribe to our newsletter"],
        ["Sign up for our daily newsletter"],
        ["Get the latest news delivered to your inbox"],
        ["Enter your email address", "Subscribe"],
        [f"Sign up for the {site} Daily newsletter and get the top stories in your inbox."],
        ["Don't miss out! Subscribe now."],
        ["Never miss a story: sign up for free email alerts."],
    ]
    return rng.choice(options)


def _copyright(rng: random.Random, h: Sequence[str]) -> list[str]:
    year, site = rng.randint(2004, 2023), rng.choice(_SITES)
    options = [
        [f"© {year} {site}. All rights reserved."],
        [f"Copyright © {year} {site} Media Ltd."],
        ["All rights reserved."],
        ["This material may not be published, broadcast, rewritten or redistributed."],
        ["Privacy Policy | Terms of Use | Contact Us"],
        [f"Copyright {year} {site}"],
    ]
    return rng.choice(options)


def _tags(rng: random.Random, h: Sequence[str]) -> list[str]:
    tags = rng.sample(_TAG_WORDS, rng.randint(2, 5))
    topic = rng.choice(_TOPICS)
    options = [
        [f"Tags: {', '.join(tags)}"],
        [f"Filed under: {topic}"],
        [f"Posted in {topic} | Tagged {', '.join(tags)}"],
        [f"Categories: {topic}"],
        [" | ".join(rng.sample(_TOPICS, 4))],
        ["Home", topic],
    ]
    return rng.choice(options)


def _advert(rng: random.Random, h: Sequence[str]) -> list[str]:
    return [
        rng.choice(
            (
                "Advertisement",
                "ADVERTISEMENT",
                "Sponsored",
                "Story continues below advertisement",
                "Sponsored Content",
                "Continue reading the main story",
            )
        )
    ]


def _caption(rng: random.Random, h: Sequence[str]) -> list[str]:
    site, agency, name = rng.choice(_SITES), rng.choice(_AGENCIES), _name(rng)
    return [
        rng.choice(
            (
                f"({site} File Photo)",
                f"(Photo: {name}/{agency})",
                f"Image copyright {agency}",
                f"Photo: {agency}",
                f"{name} speaks at the event. (Photo by {_name(rng)}/{agency})",
                f"Image caption {name}",
                f"{name}. ({site} Photo)",
            )
        )
    ]


def _author(rng: random.Random, h: Sequence[str]) -> list[str]:
    name, site = _name(rng), rng.choice(_SITES)
    options = [
        ["About The Author"],
        ["About The Author", f"{name} is a staff writer at {site}."],
        ["i am as a writer and blogger..."],
        [f"{name} is a freelance journalist. Follow {name.split()[0]} on Twitter."],
        [f"Contact {name} at {name.split()[0].lower()}@{site.replace(' ', '').lower()}.com"],
    ]
    return rng.choice(options)


def _nav(rng: random.Random, h: Sequence[str]) -> list[str]:
    options = [
        [" | ".join(["Home", *rng.sample(_TOPICS, 3)])],
        ["Previous Post", "Next Post"],
        ["← Previous Article", "Next Article →"],
        ["Back to top"],
        ["Skip to content"],
        ["Menu"],
        [f"Home » {rng.choice(_TOPICS)} » {_headline(rng, h)}"],
        ["Print", "Email"],
    ]
    return rng.choice(options)


BLOCKS: dict[str, Block] = {
    "share": _share,
    "counter": _counter,
    "byline": _byline,
    "related": _related,
    "comment_form": _comment_form,
    "cookie": _cookie,
    "newsletter": _newsletter,
    "copyright": _copyright,
    "tags": _tags,
    "advert": _advert,
    "caption": _caption,
    "author": _author,
    "nav": _nav,
}
# Blocks typical of each position (any block may appear anywhere, less often).
_TYPICAL: dict[Position, tuple[str, ...]] = {
    "head": ("byline", "share", "counter", "caption", "nav", "advert", "cookie"),
    "middle": ("advert", "related", "caption", "newsletter", "share"),
    "tail": (
        "comment_form",
        "related",
        "author",
        "tags",
        "copyright",
        "share",
        "newsletter",
        "counter",
    ),
}


def junk_lines(
    rng: random.Random, position: Position, n_lines: int, headlines: Sequence[str] = ()
) -> list[list[str]]:
    """Blocks of junk lines (about ``n_lines`` in all, at least one) for ``position``."""
    blocks: list[list[str]] = []
    total = 0
    while total < n_lines:
        typical = rng.random() < 0.75
        kind = rng.choice(_TYPICAL[position]) if typical else rng.choice(tuple(BLOCKS))
        block = BLOCKS[kind](rng, headlines)[: max(1, n_lines - total)]
        blocks.append(block)
        total += len(block)
    return blocks


def inject_boilerplate(
    text: str,
    rng: random.Random,
    position: Position,
    n_lines: int | None = None,
    *,
    headlines: Sequence[str] = (),
    comments: int = 0,
) -> Corruption:
    """Insert ``n_lines`` junk lines (1-6 when ``None``) at the ``head`` (after the title
    paragraph), ``tail`` or ``middle`` (between two body paragraphs) of ``text``, followed
    by a reader comment thread of ``comments`` comments (see :func:`comment_thread`).

    ``headlines`` (e.g. titles of other articles) feed "Related Posts" lists; synthetic
    headlines are used otherwise."""
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {POSITIONS}, not {position!r}")
    if n_lines is None:
        n_lines = rng.randint(1, 6)
    if n_lines < 1:
        raise ValueError("n_lines must be >= 1")
    paragraphs = Document(text).paragraphs
    if not paragraphs:
        at = len(text)
    elif position == "head":
        at = paragraphs[0].end
    elif position == "middle" and len(paragraphs) >= 3:
        at = paragraphs[rng.randint(1, len(paragraphs) - 2)].end
    else:
        at = paragraphs[-1].end
    blocks = junk_lines(rng, position, n_lines, headlines)
    if comments > 0:
        blocks.extend(comment_thread(rng, comments, article_sentences(text)))

    # Lay the junk out as paragraphs: a block together, or each of its lines alone.
    pieces: list[list[str]] = []
    for block in blocks:
        if len(block) > 1 and rng.random() < 0.4:
            pieces.extend([line] for line in block)
        else:
            pieces.append(block)
    before = text[:at]
    inserted: list[str] = []
    spans: list[tuple[int, int]] = []
    cursor = len(before)
    sep = "\n\n" if before else ""
    for piece in pieces:
        inserted.append(sep)
        cursor += len(sep)
        for j, line in enumerate(piece):
            if j:
                inserted.append("\n")
                cursor += 1
            inserted.append(line)
            spans.append((cursor, cursor + len(line)))
            cursor += len(line)
        sep = "\n\n"
    after = text[at:]
    if not after.strip():
        after = "\n" if text.endswith("\n") else ""
    elif not before:
        after = "\n\n" + after.lstrip("\n")
    new_text = before + "".join(inserted) + after
    return Corruption(new_text, "boilerplate", position, tuple(spans))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def article_sentences(text: str) -> list[str]:
    """Mid-length sentences of an article's body (for comments that quote or paraphrase)."""
    body = Document(text).paragraphs[1:]
    out = [s for p in body for s in _SENTENCE_END.split(p.text.replace("\n", " "))]
    return [s for s in out if 30 <= len(s) <= 200]


# -- reader comment threads ------------------------------------------------------------------
# For a news-quality product a comment thread after the article is page furniture, however
# prose-like its lines are (dragnet labels comments boilerplate; CleanEval's gold keeps them).
_HANDLES = ("jdawg77", "sunny_days", "Anonymous", "Guest", "mike_b", "TruthSeeker", "kat")
_OPENERS = (
    "Great post!",
    "Thanks for sharing.",
    "Totally agree.",
    "I completely agree with you.",
    "Love this.",
    "Not sure I agree with this.",
    "This is so true.",
    "Well said.",
    "Wow.",
    "Interesting read, thanks.",
    "Happy birthday!",
    "Thank you, that did the trick.",
    "Spot on.",
    "lol",
    "Keep writing…",
    "Couldn't agree more!",
    "Nice one.",
    "Same here.",
    "Exactly!",
    "Great article as always.",
    "Good job.",
    "Thanks for the update.",
)
_CASUAL = (
    "I have been reading your blog for years and this is one of the best posts yet.",
    "My husband and I had the exact same experience last summer, it was a nightmare.",
    "Does anyone know if this works with the older version?",
    "I tried this and it didn't work for me, any ideas?",
    "You guys are awesome, keep up the good work!",
    "Honestly I think the whole thing is overblown.",
    "Can't wait to see what happens next!!",
    "This is exactly what I needed today :)",
    "I shared this on Facebook and my friends loved it.",
    "Not sure why people are so upset about this, it seems pretty reasonable to me.",
    "I used to live there and it was never like that.",
    "Where can I find more info on this?",
    "Thanks so much for posting this, I had no idea.",
    "Sorry but this is just wrong. Do your research.",
    "I'm bookmarking this for later.",
    "Great photos, by the way!",
    "We did this with our kids and they had a blast.",
    "Just my two cents.",
    "Would love to hear more about how you got started.",
    "You nailed it.",
)
_FRAMES = (
    "I think {s}",
    "Not sure about this. {s}",
    "{s} Just saying.",
    "Agreed. {s}",
    "IMO {s}",
    "The article says {s} Really?",
    "{s}",
)
_AFTER = (
    "Reply",
    "Reply ↓",
    "Log in to Reply",
    "Report abuse",
    "Permalink",
    "Like",
    "Flag",
    "Quote",
)


HEADERLESS_SHARE = 0.4
_SCORES = ("Funny", "Insightful", "Interesting", "Informative", "Troll", "Flamebait")
_BLOGS = ("blogspot.com", "wordpress.com", "tumblr.com", "com", "net")


def _signature(rng: random.Random, name: str) -> str:
    blog = f"http://{rng.choice((name.split()[0].lower(), 'my' + rng.choice(_HANDLES)))}"
    blog += f".{rng.choice(_BLOGS)}"
    return rng.choice((blog, f"xx, {blog}/", f"- {name.split()[0]}", "Cheers!", "Thanks", name))


def _comment_header(rng: random.Random, name: str) -> list[str]:
    date, time = _date(rng), _time(rng)
    d = rng.randint(1, 28)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(d, "th")
    day = f"{rng.choice(_MONTHS)} {d}{suffix}, {rng.randint(2004, 2023)}"
    options = [
        [f"{name} — {day}, {time}"],
        [f"{name} says:", f"{date} at {time}"],
        [f"{name} says:"],
        [f"{name} on {date} at {time}"],
        [f"Posted by: {name} at {date} {time}"],
        [f"by {name} on {date} at {time}. #"],
        [f"{name} | {date}"],
        [name, f"{rng.randint(1, 23)} hours ago"],
        [name, f"{day} at {time}"],
        [f"{name} wrote:"],
        [f"{name} said..."],
        [f"{name} said,", f"{date} @ {time}"],
        [f"{rng.choice(('Re:', 'Re: '))} (Score:{rng.randint(-1, 5)})"],
        [f"Re:{rng.choice(_OPENERS)} (Score:{rng.randint(1, 5)}, {rng.choice(_SCORES)})"],
        [f"{rng.randint(1, 28)} {rng.choice(_MONTHS)} {rng.randint(2004, 2023)} {time}"],
        ["Link to this comment:", "Share", f"{date} {time}"],
        [f"{name} {rng.choice(('replied', 'commented'))} {rng.randint(2, 11)} years ago"],
    ]
    return rng.choice(options)


def _comment_body(rng: random.Random, sentences: Sequence[str]) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.4:
        lines.append(rng.choice(_OPENERS))
    for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
        if sentences and rng.random() < 0.5:
            s = rng.choice(sentences)
            s = s[0].lower() + s[1:] if rng.random() < 0.5 else s
            lines.append(rng.choice(_FRAMES).format(s=s))
        else:
            lines.append(rng.choice(_CASUAL))
    if not lines:
        lines.append(rng.choice(_OPENERS + _CASUAL))
    if len(lines) > 1 and rng.random() < 0.5:  # one paragraph per comment, or one per sentence
        lines = [" ".join(lines)]
    return lines


def comment_thread(
    rng: random.Random, n_comments: int, sentences: Sequence[str] = ()
) -> list[list[str]]:
    """A reader comment thread of ``n_comments`` comments, as blocks of lines: an optional
    heading ("12 Comments"), then per comment a name/date header, casual prose (openers,
    stock remarks, or the article's own ``sentences`` framed as opinions), and sometimes a
    "Reply" or vote line."""
    blocks: list[list[str]] = []
    if rng.random() < 0.7:
        blocks.append(
            [
                rng.choice(
                    (
                        f"{max(n_comments, _n(rng))} Comments",
                        f"{n_comments} Responses to “{rng.choice(_HEADLINE_OBJECTS)}”",
                        "Comments",
                        "Reader comments",
                        f"Comments ({n_comments})",
                        "Discussion",
                        f"{n_comments} thoughts on this",
                        "What readers are saying",
                    )
                )
            ]
        )
    people = [
        _name(rng) if rng.random() < 0.6 else rng.choice((*_FIRST, *_HANDLES))
        for _ in range(max(1, n_comments))
    ]
    header_first = rng.random() < 0.75  # "Posted by: ..." sites put the header after the body
    # Many scraped threads lose their name/date headers (the extractor drops them): only
    # the comments' prose is left after the article.
    headerless = rng.random() < HEADERLESS_SHARE
    for k in range(n_comments):
        header = [] if headerless else _comment_header(rng, people[k])
        body = _comment_body(rng, sentences)
        if rng.random() < 0.25:
            body.append(_signature(rng, people[k]))
        block = [*header, *body] if header_first else [*body, *header]
        if rng.random() < 0.3:
            block.append(rng.choice(_AFTER))
        if rng.random() < 0.1:
            block.append(f"{_n(rng)} likes" if rng.random() < 0.5 else f"↑ {_n(rng)} ↓")
        blocks.append(block)
    return blocks


# -- content in the shapes scraped pages give it ---------------------------------------------
# Clean BBC text is one long paragraph per line; real pages also carry hard-wrapped prose
# (CleanEval), subheadings and list items, all of them content. Without these shapes in the
# training data "short line" or "no final full stop" would mean junk.


def _subheading(rng: random.Random, paragraph: str) -> str | None:
    toks = paragraph.split()[:30]
    for _ in range(5):
        n = rng.randint(2, 5)
        if len(toks) <= n:
            return None
        i = rng.randrange(0, len(toks) - n)
        pick = [t.strip(",.;:!?\"'“”()") for t in toks[i : i + n]]
        if all(pick) and pick[0].lower() not in STOPWORDS and pick[-1].lower() not in STOPWORDS:
            head = " ".join(pick)
            if rng.random() < 0.3:
                head = head.title()
            return head[0].upper() + head[1:] + (":" if rng.random() < 0.15 else "")
    return None


def reshape_content(text: str, rng: random.Random) -> str:
    """``text`` with its body laid out like a scraped page: hard-wrapped at 55-90 columns,
    with subheadings between paragraphs, or with a paragraph's sentences as list items (each
    style sometimes). The title (first paragraph) is kept as is; every line stays content."""
    paragraphs = [p.text for p in Document(text).paragraphs]
    if len(paragraphs) < 2:
        return text
    title, body = paragraphs[0], paragraphs[1:]
    if rng.random() < 0.4:
        out: list[str] = []
        for para in body:
            sub = _subheading(rng, para) if out and rng.random() < 0.25 else None
            if sub:
                out.append(sub)
            if rng.random() < 0.12:
                sentences = _SENTENCE_END.split(para.replace("\n", " "))
                bullet = rng.choice(("- ", "• ", "* ", "", "1. "))
                if bullet == "1. ":
                    out.append("\n".join(f"{k + 1}. {s}" for k, s in enumerate(sentences)))
                else:
                    out.append("\n".join(bullet + s for s in sentences))
            else:
                out.append(para)
        body = out
    if rng.random() < 0.3:
        width = rng.randint(55, 90)
        body = [
            "\n".join(textwrap.wrap(p, width, break_long_words=False, break_on_hyphens=False))
            if len(p) > width
            else p
            for p in body
        ]
    if rng.random() < TABLE_SHARE:
        table = _data_table(rng, " ".join(body))
        if table:
            at = rng.randint(1, len(body))
            body = [*body[:at], table, *body[at:]]
    return "\n\n".join([title, *body]) + ("\n" if text.endswith("\n") else "")


TABLE_SHARE = 0.1
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})?")


def _data_table(rng: random.Random, body: str) -> str | None:
    """A small data table in the "| cell | cell |" rows extractors make of HTML tables, its
    row labels the article's own capitalised names: tables in an article's body are content
    (CleanEval's gold keeps them)."""
    names = list(dict.fromkeys(_CAPITALISED.findall(body)))
    if len(names) < 4:
        return None
    n_rows, n_cols = rng.randint(3, min(10, len(names))), rng.randint(1, 4)
    labels = rng.sample(names, n_rows)
    decimals = rng.choice((0, 1, 2))
    header = ["", *(str(rng.randint(1990, 2023) + k) for k in range(n_cols))]
    if rng.random() < 0.5:
        header = [
            rng.choice(("Name", "Region", "Team", "Item", "Group")),
            *rng.sample(
                ("Total", "Share", "Change", "Votes", "Cost", "Rate", "Points", "Number"), n_cols
            ),
        ]
    rows = ["| " + " | ".join(header) + " |"]
    for label in labels:
        cells = [f"{rng.uniform(0, 500):.{decimals}f}" for _ in range(n_cols)]
        rows.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(rows)
