"""Article spinners: make spun copies of clean articles, with the replaced spans.

Four styles, each a function ``(text, rng) -> Corruption``:

* ``function_word``: rewrites function words the way real spinner output does (seed 004:
  ``and`` -> ``in addition to``, ``is`` -> ``is actually``, ``it`` -> ``the idea``), nearly
  every time, lower-casing what it writes ("inside the blog post", "completely new York");
* ``content_word``: a thesaurus spinner swapping content words for odd synonyms;
* ``phrase``: phrase-level rewrites (``a lot of`` -> ``a great deal of``);
* ``light``: about 15% of the words touched, mixing the three tables.

The tables here are written independently of the detector's lexicon
(:mod:`pipeline.detectors.spin_lexicon`): evaluation holds a style out to measure transfer to
spinners the detector was not written for. The title (first line) is never spun, as in seed
004. ``spans`` are the offsets of every replacement in the new text.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from itertools import pairwise

from pipeline.text import Token, tokenize
from pipeline.training.corruption import Corruption

# Seed-004-like function-word rewrites.
FUNCTION_WORD_TABLE: dict[str, tuple[str, ...]] = {
    "and": ("in addition to",),
    "is": ("is actually",),
    "are": ("are actually",),
    "that": ("that will",),
    "this": ("that will",),
    "it": ("the idea",),
    "from": ("by",),
    "in": ("inside",),
    "new": ("completely new",),
    "other": ("different",),
    "also": ("additionally", "likewise"),
    "but": ("however",),
    "very": ("extremely",),
    "many": ("numerous",),
    "now": ("presently",),
    "about": ("regarding",),
}

# Phrase-level rewrites: wording, not single words.
PHRASE_TABLE: dict[str, tuple[str, ...]] = {
    "a lot of": ("a great deal of", "a large amount of"),
    "lots of": ("a great deal of",),
    "because of": ("as a result of", "on account of"),
    "because": ("due to the fact that", "since"),
    "but": ("however", "nevertheless"),
    "said": ("mentioned", "stated"),
    "says": ("mentions", "states"),
    "more than": ("in excess of", "over"),
    "before": ("prior to",),
    "after": ("following", "subsequent to"),
    "about": ("regarding", "concerning", "with regard to"),
    "now": ("at this point in time", "at the moment"),
    "if": ("in the event that",),
    "during": ("in the course of", "throughout"),
    "also": ("in addition", "as well"),
    "many": ("a number of", "numerous"),
    "most": ("the majority of",),
    "some": ("a number of", "certain"),
    "use": ("make use of",),
    "used": ("made use of",),
    "will": ("is going to",),
    "could": ("might",),
    "although": ("despite the fact that",),
    "though": ("even though",),
    "while": ("whilst",),
    "for example": ("for instance",),
    "such as": ("like", "including"),
    "as well as": ("along with", "together with"),
    "to help": ("to assist",),
    "so that": ("in order that",),
    "can": ("is able to",),
    "should": ("ought to",),
    "must": ("has to",),
    "need to": ("have to",),
    "a few": ("a small number of",),
    "at least": ("at the very least",),
    "at the moment": ("currently",),
    "each": ("every single",),
    "every": ("each and every",),
    "soon": ("in the near future",),
    "however": ("nonetheless", "that said"),
    "then": ("after that",),
    "still": ("nonetheless",),
    "already": ("by now",),
    "around": ("approximately",),
    "almost": ("nearly",),
    "about half": ("roughly half",),
    "in the past": ("previously",),
    "so far": ("up to now",),
    "not only": ("not just",),
    "as a result": ("consequently",),
    "in fact": ("as a matter of fact",),
    "last year": ("the previous year",),
    "next year": ("the coming year",),
}

# A thesaurus spinner: "word: synonym, synonym". Surface forms are listed as used in news.
_CONTENT_TABLE_TEXT = """
said: stated, declared
says: states, declares
told: informed, advised
tell: inform
asked: questioned, requested
ask: request
added: included, supplemented
announced: declared, proclaimed
big: huge, large, massive
bigger: larger, huger
biggest: largest, greatest
small: little, tiny, minor
smaller: tinier, lesser
large: sizeable, giant
buy: purchase, acquire
bought: purchased, acquired
sell: vend, market
sold: vended, marketed
selling: vending, marketing
help: assist, aid
helped: assisted, aided
helping: assisting, aiding
show: display, exhibit
shows: displays, exhibits
showed: displayed, exhibited
shown: displayed, exhibited
start: commence, begin
started: commenced, began
starting: commencing
end: conclusion, finish
ended: concluded, finished
begin: commence
began: commenced
make: create, produce
made: created, produced
making: creating, producing
get: obtain, acquire
got: obtained, acquired
getting: obtaining, acquiring
give: provide, grant
gave: provided, granted
given: provided, granted
take: consume, seize
took: seized, consumed
taken: seized, consumed
come: arrive
came: arrived
go: proceed, travel
went: proceeded, travelled
think: believe, reckon
thought: believed, reckoned
know: realise, recognise
known: recognised, identified
see: observe, view
saw: observed, viewed
seen: observed, viewed
want: desire, wish
wanted: desired, wished
need: require
needs: requires
needed: required
use: utilise, employ
used: utilised, employed
using: utilising, employing
find: discover, locate
found: discovered, located
keep: retain, preserve
kept: retained, preserved
put: placed, positioned
set: established, positioned
run: operate, manage
running: operating, managing
ran: operated, managed
move: transfer, shift
moved: transferred, shifted
pay: compensate, remunerate
paid: compensated, remunerated
win: triumph, prevail
won: triumphed, prevailed
lose: forfeit, misplace
lost: forfeited, misplaced
hit: struck, impacted
rise: increase, ascend
rose: increased, ascended
rising: increasing, ascending
fall: decline, drop
fell: declined, dropped
falling: declining, dropping
fallen: declined, dropped
grow: expand, develop
grew: expanded, developed
growing: expanding, developing
growth: expansion, development
increase: boost, rise
increased: boosted, raised
cut: reduced, slashed
cuts: reductions, slashes
boost: enhance, increase
try: attempt, endeavour
tried: attempted, endeavoured
trying: attempting, endeavouring
hope: wish, aspire
hopes: wishes, aspirations
believe: reckon, consider
believes: reckons, considers
expected: anticipated, predicted
expect: anticipate, predict
warned: cautioned, alerted
claimed: alleged, asserted
claims: allegations, assertions
agreed: concurred, consented
plan: scheme, strategy
plans: schemes, strategies
planned: scheduled, intended
decision: choice, verdict
decided: determined, resolved
deal: agreement, bargain
deals: agreements, bargains
firm: company, business
firms: companies, businesses
company: enterprise, organisation
companies: enterprises, organisations
business: commerce, enterprise
market: marketplace, industry
markets: marketplaces
government: administration, authorities
minister: secretary, official
ministers: secretaries, officials
chief: head, principal
leader: chief, head
leaders: chiefs, heads
people: populace, citizens
man: gentleman, male
woman: lady, female
men: gentlemen, males
women: ladies, females
children: kids, youngsters
child: kid, youngster
country: nation, land
countries: nations, lands
world: globe, planet
city: metropolis, town
home: residence, household
house: dwelling, residence
car: automobile, vehicle
cars: automobiles, vehicles
money: cash, funds
price: cost, value
prices: costs, values
cost: price, expense
costs: expenses, charges
profit: earnings, gain
profits: earnings, gains
sales: revenue, turnover
shares: stocks, equities
year: twelve months, annum
years: decades, many years
week: seven days
month: thirty day period
months: periods
day: date, time
time: period, moment
times: occasions, periods
number: amount, quantity
part: portion, section
group: team, cluster
team: squad, crew
game: match, contest
games: matches, contests
match: game, fixture
player: participant, gamer
players: participants, gamers
fans: followers, supporters
film: movie, picture
films: movies, pictures
music: tunes, songs
song: track, tune
album: record, collection
star: celebrity, luminary
award: prize, honour
awards: prizes, honours
show: programme, exhibition
report: account, statement
reports: accounts, statements
news: information, headlines
issue: problem, matter
issues: problems, matters
problem: issue, difficulty
problems: issues, difficulties
question: query, inquiry
questions: queries, inquiries
change: alteration, modification
changes: alterations, modifications
system: process, mechanism
service: provision, facility
services: provisions, facilities
technology: tech, technological innovation
software: programs, applications
computer: machine, pc
phone: telephone, handset
phones: telephones, handsets
users: consumers, customers
customers: clients, patrons
research: study, investigation
study: analysis, examination
data: information, figures
figures: numbers, statistics
evidence: proof, indication
law: legislation, statute
laws: legislation, statutes
court: tribunal
police: law enforcement, officers
election: vote, poll
party: celebration, faction
war: conflict, combat
attack: assault, strike
attacks: assaults, strikes
death: demise, passing
killed: slain, murdered
injured: hurt, wounded
support: backing, assistance
chance: opportunity, likelihood
record: file, document
future: long term, destiny
past: previous, former
recent: current, latest
new: fresh, novel
old: aged, ancient
good: great, fine
better: improved, superior
best: finest, greatest
bad: poor, awful
worse: poorer, inferior
worst: poorest, direst
important: crucial, significant
major: key, significant
key: crucial, essential
high: elevated, tall
higher: greater, elevated
low: minimal, reduced
lower: reduced, decreased
strong: robust, powerful
weak: feeble, fragile
hard: difficult, tough
difficult: hard, challenging
easy: simple, effortless
clear: obvious, apparent
early: premature, initial
late: belated, tardy
long: lengthy, extended
short: brief, concise
fast: quick, rapid
quick: rapid, swift
slow: sluggish, leisurely
full: complete, entire
whole: entire, complete
public: general public, community
private: personal, exclusive
free: complimentary, gratis
real: genuine, actual
possible: feasible, achievable
likely: probable, possible
main: primary, principal
local: regional, neighbourhood
national: countrywide, nationwide
international: worldwide, global
global: worldwide, international
political: governmental, partisan
economic: financial, fiscal
financial: monetary, economic
serious: grave, severe
huge: enormous, massive
great: terrific, wonderful
successful: prosperous, thriving
popular: well-liked, favoured
different: various, distinct
similar: comparable, alike
special: particular, distinctive
top: leading, prime
final: last, closing
open: unlock, launch
opened: unlocked, launched
close: shut, near
closed: shut, concluded
return: come back, go back
returned: came back, went back
leave: depart, exit
left: departed, exited
join: be part of, enrol
joined: became a member of, enrolled
call: phone, name
called: named, termed
calls: phone calls, demands
face: confront, encounter
faces: confronts, encounters
remain: stay, continue to be
remains: stays, continues to be
become: turn out to be, grow to be
became: turned out to be, grew to be
look: appear, seem
looking: searching, seeking
believed: thought, considered
allowed: permitted, enabled
allow: permit, enable
include: comprise, incorporate
includes: comprises, incorporates
including: comprising, incorporating
involved: concerned, engaged
offer: provide, supply
offered: provided, supplied
provide: supply, furnish
provided: supplied, furnished
create: generate, produce
created: generated, produced
develop: build up, create
developed: built up, created
reach: attain, achieve
reached: attained, achieved
meet: encounter, satisfy
met: encountered, satisfied
spend: expend, invest
spent: expended, invested
build: construct, assemble
built: constructed, assembled
bring: deliver, convey
brought: delivered, conveyed
hold: maintain, grasp
held: maintained, grasped
stop: halt, cease
stopped: halted, ceased
continue: carry on, proceed
continued: carried on, proceeded
happen: occur, take place
happened: occurred, took place
change: alter, modify
changed: altered, modified
improve: enhance, upgrade
improved: enhanced, upgraded
reduce: decrease, lessen
reduced: decreased, lessened
raise: elevate, lift
raised: elevated, lifted
launch: introduce, release
launched: introduced, released
release: launch, discharge
released: launched, discharged
play: perform, compete
played: performed, competed
playing: performing, competing
beat: defeated, overcame
chairman: chair, president
boss: manager, supervisor
director: executive, manager
executive: government, administrator
spokesman: representative, agent
spokeswoman: representative, agent
official: formal, authorised
officials: authorities, representatives
analysts: experts, commentators
experts: specialists, authorities
economy: financial system, economic system
industry: sector, trade
trade: commerce, buying and selling
jobs: positions, careers
job: position, career
workers: employees, staff
staff: personnel, workforce
school: academy, institution
schools: academies, institutions
health: wellness, wellbeing
hospital: clinic, infirmary
patients: sufferers, cases
doctors: physicians, medics
level: degree, stage
levels: degrees, stages
rate: charge, tempo
rates: charges, tempos
area: region, zone
areas: regions, zones
site: website, location
online: on-line, via the internet
internet: web, net
website: site, web page
network: community, system
million: million, mn
idea: concept, notion
way: method, manner
ways: methods, manners
thing: factor, item
things: factors, items
lot: great deal, whole lot
"""


def _parse_table(text: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        word, _, syns = line.partition(":")
        options = tuple(s.strip() for s in syns.split(",") if s.strip() and s.strip() != word)
        if options:
            table[word.strip()] = options
    return table


CONTENT_WORD_TABLE: dict[str, tuple[str, ...]] = _parse_table(_CONTENT_TABLE_TEXT)


def _title_end(text: str) -> int:
    """Offset where the body starts: the title (first line) is never spun."""
    nl = text.find("\n")
    return len(text) if nl < 0 else nl


def _adjacent(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end : right.start]
    return gap.isspace() and "\n" not in gap


def _candidates(
    text: str, tokens: list[Token], table: Mapping[str, tuple[str, ...]], proper_ok: bool
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Non-overlapping ``(first, last, options)`` token runs whose wording is in ``table``;
    longest wording first. Capitalised words inside a sentence are names unless
    ``proper_ok`` (seed 004's spinner rewrote "New York" too)."""
    max_len = max(len(k.split()) for k in table)
    out: list[tuple[int, int, tuple[str, ...]]] = []
    i = 0
    while i < len(tokens):
        hit = None
        for k in range(min(max_len, len(tokens) - i), 0, -1):
            run = tokens[i : i + k]
            if k > 1 and not all(_adjacent(text, a, b) for a, b in pairwise(run)):
                continue
            key = " ".join(t.lower for t in run)
            options = table.get(key)
            if options:
                hit = (i, i + k - 1, options)
                break
        if hit is not None:
            first = tokens[hit[0]]
            capital = first.text[0].isupper()
            if proper_ok or not capital or _starts_sentence(text, first.start):
                out.append(hit)
            i = hit[1] + 1
        else:
            i += 1
    return out


def _starts_sentence(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘(":
        i -= 1
    return i < 0 or text[i] in ".!?\n"


def _rewrite(
    text: str,
    choices: list[tuple[int, int, str]],
    tokens: list[Token],
    lower: bool,
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Apply ``(first, last, replacement)`` choices left to right; spans in the new text."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = out_len = 0
    for first, last, repl in sorted(choices):
        start, end = tokens[first].start, tokens[last].end
        old = text[start:end]
        if not lower and old[:1].isupper():
            repl = repl[0].upper() + repl[1:]
        if old.isupper() and len(old) > 1 and not lower:
            repl = repl.upper()
        parts.append(text[pos:start])
        out_len += start - pos
        parts.append(repl)
        spans.append((out_len, out_len + len(repl)))
        out_len += len(repl)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), tuple(spans)


def _spin(
    text: str,
    rng: random.Random,
    style: str,
    table: Mapping[str, tuple[str, ...]],
    rate: float,
    lower: bool,
    proper_ok: bool,
) -> Corruption:
    body = _title_end(text)
    tokens = tokenize(text[body:], offset=body)
    cands = _candidates(text, tokens, table, proper_ok)
    choices = [(f, last, rng.choice(opts)) for f, last, opts in cands if rng.random() < rate]
    new_text, spans = _rewrite(text, choices, tokens, lower)
    return Corruption(new_text, "spin", style, spans)


def spin_function_word(text: str, rng: random.Random) -> Corruption:
    """Seed-004-like: function words rewritten nearly everywhere, output lower-cased."""
    return _spin(text, rng, "function_word", FUNCTION_WORD_TABLE, 0.9, True, True)


def spin_content_word(text: str, rng: random.Random) -> Corruption:
    """Thesaurus spinner: most listed content words replaced by a synonym."""
    return _spin(text, rng, "content_word", CONTENT_WORD_TABLE, 0.7, False, False)


def spin_phrase(text: str, rng: random.Random) -> Corruption:
    """Phrase rewrites ("a lot of" -> "a great deal of"), most occurrences."""
    return _spin(text, rng, "phrase", PHRASE_TABLE, 0.9, False, False)


_LIGHT_TABLE: dict[str, tuple[str, ...]] = {}
for _table in (CONTENT_WORD_TABLE, PHRASE_TABLE, FUNCTION_WORD_TABLE):
    for _key, _options in _table.items():
        _LIGHT_TABLE[_key] = _LIGHT_TABLE.get(_key, ()) + _options


def spin_light(text: str, rng: random.Random) -> Corruption:
    """About 15% of the body's words touched, mixing the three tables."""
    body = _title_end(text)
    tokens = tokenize(text[body:], offset=body)
    cands = _candidates(text, tokens, _LIGHT_TABLE, False)
    budget = round(0.15 * len(tokens))
    picked = rng.sample(cands, min(budget, len(cands)))
    choices = [(f, last, rng.choice(opts)) for f, last, opts in picked]
    new_text, spans = _rewrite(text, choices, tokens, False)
    return Corruption(new_text, "spin", "light", spans)


SPINNER_STYLES: dict[str, Callable[[str, random.Random], Corruption]] = {
    "function_word": spin_function_word,
    "content_word": spin_content_word,
    "phrase": spin_phrase,
    "light": spin_light,
}
